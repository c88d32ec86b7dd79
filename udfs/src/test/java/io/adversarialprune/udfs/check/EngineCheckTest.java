package io.adversarialprune.udfs.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.MemoryFormat;
import io.adversarialprune.udfs.model.Normalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine check accepts the real PyTorch fixtures in both layouts and refuses every model of
 * make_check_fixtures.py: gradients that are sign-flipped, halved or zeroed while the forward is
 * unchanged, and logits that depend on the memory layout.
 */
class EngineCheckTest {
  /** The settings of reference.conf's sweep.engine.check. */
  private static final EngineCheck.Settings SETTINGS =
      new EngineCheck.Settings(4, 4, 1e-5, 0.05, 1e-3);

  private static final EngineCheck CHECK = new EngineCheck(SETTINGS);

  @ParameterizedTest
  @EnumSource(
      value = MemoryFormat.class,
      names = {"CONTIGUOUS", "CHANNELS_LAST"})
  void acceptsTheTinyFixture(MemoryFormat format) {
    JsonObject exp = Fixtures.expected();
    try (Classifier model = load("tiny.pt", format)) {
      EngineCheck.Report report =
          CHECK.run(model, 1, Fixtures.ints(exp.get("labels")), Fixtures.floats(exp.get("x")));
      assertThat(report.problem()).as(report.figures()).isNull();
      assertThat(report.gradientRmsError()).isLessThan(0.01);
      assertThat(report.logitsError()).isLessThan(1e-5);
      assertThat(report.memoryFormat()).isEqualTo(format.configName());
      assertThat(report.batchSize()).isEqualTo(6);
      assertThat(report.samples()).isEqualTo(4);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = MemoryFormat.class,
      names = {"CONTIGUOUS", "CHANNELS_LAST"})
  void acceptsTheThreeChannelFixture(MemoryFormat format) {
    JsonObject rgb = Fixtures.expectedRgb();
    try (Classifier model = loadRgb("tiny-rgb.pt", format)) {
      EngineCheck.Report report =
          CHECK.run(model, 1, Fixtures.ints(rgb.get("labels")), Fixtures.floats(rgb.get("x")));
      assertThat(report.problem()).as(report.figures()).isNull();
      assertThat(report.gradientRmsError()).isLessThan(0.01);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lying-sign.pt", "lying-scaled.pt", "lying-zero.pt"})
  void refusesAGradientThatDisagreesWithTheForward(String file) {
    JsonObject exp = Fixtures.expected();
    try (Classifier model = load(file, MemoryFormat.AUTO)) {
      EngineCheck.Report report =
          CHECK.run(model, 1, Fixtures.ints(exp.get("labels")), Fixtures.floats(exp.get("x")));
      assertThat(report.passed()).isFalse();
      assertThat(report.problem())
          .contains("the autograd input gradient disagrees with the forward pass");
      // Halved: 0.5; zeroed: 1; sign-flipped: 2. Far outside the tolerance either way.
      assertThat(report.gradientRmsError()).isGreaterThan(0.4);
      // The forward is the real model's: only the gradient lies.
      assertThat(report.logitsError()).isLessThan(1e-5);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lying-sign.pt", "lying-scaled.pt", "lying-zero.pt"})
  void theForwardOnlyCheckAcceptsALyingGradient(String file) {
    JsonObject exp = Fixtures.expected();
    try (Classifier model = load(file, MemoryFormat.AUTO)) {
      EngineCheck.Report report =
          CHECK.runForward(
              model, 1, Fixtures.ints(exp.get("labels")), Fixtures.floats(exp.get("x")));
      assertThat(report.problem()).as(report.figures()).isNull();
      assertThat(report.gradientRmsError()).isNaN();
      assertThat(report.samples()).isZero();
      assertThat(report.logitsError()).isLessThan(1e-5);
    }
  }

  @Test
  void lyingFixturesKeepTheRealForward() {
    JsonObject exp = Fixtures.expected();
    float[] x = Fixtures.floats(exp.get("x"));
    float[] expected = Fixtures.floats(exp.get("logits"));
    float[] lying =
        Fixtures.floats(
            Fixtures.checkFixtures()
                .getAsJsonObject("models")
                .getAsJsonObject("lying-sign.pt")
                .get("logits"));
    assertThat(Fixtures.firstMismatch(lying, expected, 1e-5, 1e-5)).isEqualTo(-1);
    try (Classifier model = load("lying-sign.pt", MemoryFormat.AUTO)) {
      float[] grad = Fixtures.inputGradient(model, x, Fixtures.ints(exp.get("labels")));
      float[] torch =
          Fixtures.floats(
              Fixtures.checkFixtures()
                  .getAsJsonObject("models")
                  .getAsJsonObject("lying-sign.pt")
                  .get("grad"));
      // DJL sees the same lie PyTorch does: the real gradient, negated.
      assertThat(Fixtures.firstMismatch(grad, torch, 1e-4, 1e-7)).isEqualTo(-1);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = MemoryFormat.class,
      names = {"CONTIGUOUS", "CHANNELS_LAST"})
  void refusesLogitsThatDependOnTheLayout(MemoryFormat format) {
    JsonObject rgb = Fixtures.expectedRgb();
    try (Classifier model = loadRgb("layout-branch.pt", format)) {
      EngineCheck.Report report =
          CHECK.run(model, 1, Fixtures.ints(rgb.get("labels")), Fixtures.floats(rgb.get("x")));
      assertThat(report.passed()).isFalse();
      assertThat(report.problem()).contains("logits differ between kernels or repeats");
      assertThat(report.logitsError()).isGreaterThan(0.1);
    }
  }

  @Test
  void refusesAnInferenceOnlyModel() {
    try (Classifier model = Fixtures.loadInt8()) {
      assertThatThrownBy(() -> CHECK.run(model, 1, new int[] {0}, new float[64]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("inference-only");
    }
  }

  @Test
  void settingsNameTheirRanges() {
    assertThatThrownBy(() -> new EngineCheck.Settings(4, 2, 1e-5, 0.05, 1e-3))
        .hasMessageContaining("directions must be >= 3");
    assertThatThrownBy(() -> new EngineCheck.Settings(4, 4, 0, 0.05, 1e-3))
        .hasMessageContaining("step must be in (0, 0.1]");
  }

  private static Classifier load(String file, MemoryFormat format) {
    return Classifier.load(
        Fixtures.file(file),
        Device.cpu(),
        Fixtures.NORM,
        Fixtures.SHAPE,
        Classifier.Mode.DIFFERENTIABLE,
        format);
  }

  private static Classifier loadRgb(String file, MemoryFormat format) {
    JsonObject rgb = Fixtures.expectedRgb();
    Normalization norm =
        new Normalization(Fixtures.floats(rgb.get("mean")), Fixtures.floats(rgb.get("std")));
    return Classifier.load(
        Fixtures.file(file),
        Device.cpu(),
        norm,
        new InputShape(3, 8, 8),
        Classifier.Mode.DIFFERENTIABLE,
        format);
  }
}

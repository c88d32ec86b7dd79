package io.adversarialprune.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.attack.Predictions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both layouts give PyTorch's (contiguous-layout) logits and input gradients, on one channel and,
 * where NCHW and NHWC storage differ, on three.
 */
class MemoryFormatTest {

  private static final JsonObject RGB = Fixtures.expectedRgb();
  private static final JsonObject GRAY = Fixtures.expected();

  @ParameterizedTest
  @EnumSource(
      value = MemoryFormat.class,
      names = {"CONTIGUOUS", "CHANNELS_LAST"})
  void threeChannelLogitsAndInputGradientMatchPyTorch(MemoryFormat format) {
    InputShape shape = new InputShape(3, 8, 8);
    Normalization norm =
        new Normalization(Fixtures.floats(RGB.get("mean")), Fixtures.floats(RGB.get("std")));
    try (Classifier model =
        Classifier.load(
            Fixtures.file("tiny-rgb.pt"),
            Device.cpu(),
            norm,
            shape,
            Classifier.Mode.DIFFERENTIABLE,
            format)) {
      assertThat(model.memoryFormat()).isEqualTo(format);
      assertMatches(model, RGB);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = MemoryFormat.class,
      names = {"CONTIGUOUS", "CHANNELS_LAST"})
  void oneChannelLogitsAndInputGradientMatchPyTorch(MemoryFormat format) {
    try (Classifier model =
        Classifier.load(
            Fixtures.tiny(),
            Device.cpu(),
            Fixtures.NORM,
            Fixtures.SHAPE,
            Classifier.Mode.DIFFERENTIABLE,
            format)) {
      assertMatches(model, GRAY);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = MemoryFormat.class,
      names = {"CONTIGUOUS", "CHANNELS_LAST"})
  void theModelGetsItsBatchInTheChosenLayout(MemoryFormat format) {
    // layout-probe.pt outputs [is channels-last contiguous, is NCHW contiguous] for its input.
    InputShape shape = new InputShape(3, 4, 4);
    Normalization norm =
        new Normalization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
    try (Classifier probe =
        Classifier.load(
            Fixtures.file("layout-probe.pt"),
            Device.cpu(),
            norm,
            shape,
            Classifier.Mode.DIFFERENTIABLE,
            format)) {
      float[] flags = Predictions.of(probe, new int[] {0, 1}, new float[2 * 48]).logits();
      float[] expected =
          format == MemoryFormat.CHANNELS_LAST
              ? new float[] {1, 0, 1, 0}
              : new float[] {0, 1, 0, 1};
      assertThat(flags).containsExactly(expected);
    }
  }

  @Test
  void autoIsChannelsLastOnCpuAndContiguousOnGpus() {
    assertThat(MemoryFormat.AUTO.resolve(Device.cpu())).isEqualTo(MemoryFormat.CHANNELS_LAST);
    assertThat(MemoryFormat.AUTO.resolve(Device.gpu(0))).isEqualTo(MemoryFormat.CONTIGUOUS);
    assertThat(MemoryFormat.CONTIGUOUS.resolve(Device.cpu())).isEqualTo(MemoryFormat.CONTIGUOUS);
    try (Classifier model = Fixtures.loadTiny()) {
      assertThat(model.memoryFormat()).isEqualTo(MemoryFormat.CHANNELS_LAST);
    }
  }

  @Test
  void configSpellingRoundTripsAndBadValuesNameTheKey() {
    for (MemoryFormat f : MemoryFormat.values()) {
      assertThat(MemoryFormat.parse("k", f.configName())).isEqualTo(f);
    }
    assertThat(MemoryFormat.CHANNELS_LAST.configName()).isEqualTo("channels-last");
    assertThatThrownBy(() -> MemoryFormat.parse("sweep.engine.memory-format", "nhwc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sweep.engine.memory-format")
        .hasMessageContaining("\"nhwc\"");
  }

  private static void assertMatches(Classifier model, JsonObject expected) {
    float[] x = Fixtures.floats(expected.get("x"));
    int[] labels = Fixtures.ints(expected.get("labels"));
    Predictions p = Predictions.of(model, labels, x);
    assertThat(
            Fixtures.firstMismatch(p.logits(), Fixtures.floats(expected.get("logits")), 1e-4, 1e-6))
        .isEqualTo(-1);
    float[] grad = Fixtures.inputGradient(model, x, labels);
    assertThat(Fixtures.firstMismatch(grad, Fixtures.floats(expected.get("grad")), 1e-4, 1e-6))
        .isEqualTo(-1);
  }
}

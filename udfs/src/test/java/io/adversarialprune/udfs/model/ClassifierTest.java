package io.adversarialprune.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.attack.Predictions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierTest {

  private static final JsonObject EXPECTED = Fixtures.expected();
  private static Classifier model;

  @BeforeAll
  static void load() {
    model = Fixtures.loadTiny();
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void probesClassesAndExposesParametersInModuleOrder() {
    assertThat(model.classes()).isEqualTo(10);
    assertThat(model.inputShape()).isEqualTo(Fixtures.SHAPE);
    assertThat(model.device()).isEqualTo(Device.cpu());
    Map<String, Long> sizes = new java.util.LinkedHashMap<>();
    model.parameters().forEach((name, array) -> sizes.put(name, array.size()));
    Map<String, Long> expected = new java.util.LinkedHashMap<>();
    EXPECTED
        .getAsJsonObject("parameters")
        .entrySet()
        .forEach(e -> expected.put(e.getKey(), e.getValue().getAsLong()));
    assertThat(sizes).containsExactlyEntriesOf(expected);
    model.parameters().values().forEach(p -> assertThat(p.hasGradient()).isFalse());
  }

  @Test
  void cleanOutputsMatchPyTorch() {
    float[] x = Fixtures.floats(EXPECTED.get("x"));
    int[] labels = Fixtures.ints(EXPECTED.get("labels"));
    Predictions p = Predictions.of(model, labels, x);
    float[] logits = Fixtures.floats(EXPECTED.get("logits"));
    assertThat(Fixtures.firstMismatch(p.logits(), logits, 1e-4, 1e-6)).isEqualTo(-1);
    assertThat(
            Fixtures.firstMismatch(p.losses(), Fixtures.floats(EXPECTED.get("loss")), 1e-4, 1e-6))
        .isEqualTo(-1);
    assertThat(p.predictions()).containsExactly(Fixtures.ints(EXPECTED.get("pred")));
  }

  @Test
  void inputGradientOfSummedCrossEntropyMatchesPyTorch() {
    float[] x = Fixtures.floats(EXPECTED.get("x"));
    int[] labels = Fixtures.ints(EXPECTED.get("labels"));
    float[] grad = Fixtures.inputGradient(model, x, labels);
    model.parameters().values().forEach(p -> assertThat(p.hasGradient()).isFalse());
    assertThat(Fixtures.firstMismatch(grad, Fixtures.floats(EXPECTED.get("grad")), 1e-4, 1e-6))
        .isEqualTo(-1);
  }

  @Test
  void int8TargetLoadsForInferenceAndMatchesPyTorch() {
    JsonObject int8 = Fixtures.expectedInt8();
    try (Classifier target = Fixtures.loadInt8()) {
      assertThat(target.mode()).isEqualTo(Classifier.Mode.INFERENCE);
      assertThat(target.classes()).isEqualTo(10);
      Predictions p =
          Predictions.of(
              target, Fixtures.ints(EXPECTED.get("labels")), Fixtures.floats(EXPECTED.get("x")));
      assertThat(p.predictions()).containsExactly(Fixtures.ints(int8.get("pred")));
      // Quantized kernels differ between engines (qnnpack in torch 1.13, fbgemm in libtorch).
      assertThat(Fixtures.firstMismatch(p.logits(), Fixtures.floats(int8.get("logits")), 0, 2e-2))
          .isEqualTo(-1);
    }
  }

  @Test
  void fileThatIsNotTorchScriptIsNamed(@TempDir Path dir) throws Exception {
    Path bogus = dir.resolve("bogus.pt");
    Files.writeString(bogus, "not a model");
    assertThatThrownBy(() -> Classifier.load(bogus, Device.cpu(), Fixtures.NORM, Fixtures.SHAPE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Failed to load TorchScript model from " + bogus);
    Path missing = dir.resolve("missing.pt");
    assertThatThrownBy(() -> Classifier.load(missing, Device.cpu(), Fixtures.NORM, Fixtures.SHAPE))
        .hasMessageContaining("Failed to load TorchScript model from " + missing);
  }

  @Test
  void outputThatIsNotBatchByClassesIsNamed() {
    Path file = Fixtures.file("not-classifier.pt");
    assertThatThrownBy(() -> Classifier.load(file, Device.cpu(), Fixtures.NORM, Fixtures.SHAPE))
        .hasMessageContaining("model " + file)
        .hasMessageContaining("is not [batch, classes]");
  }

  @Test
  void rejectedInputShapeIsNamed() {
    Normalization rgb = Normalization.uniform(3, 0.5f, 0.25f);
    InputShape shape = new InputShape(3, 224, 224);
    assertThatThrownBy(() -> Classifier.load(Fixtures.tiny(), Device.cpu(), rgb, shape))
        .hasMessageContaining("model " + Fixtures.tiny() + " rejected input [1,3,224,224]");
  }

  @Test
  void normalizationIsValidated() {
    assertThatThrownBy(() -> new Normalization(new float[] {0.5f}, new float[] {0f}))
        .hasMessageContaining("std[0] must be finite and > 0");
    assertThatThrownBy(() -> new Normalization(new float[] {0.5f, 0.5f}, new float[] {1f}))
        .hasMessageContaining("same, non-zero length");
    assertThatThrownBy(
            () ->
                Classifier.load(
                    Fixtures.tiny(), Device.cpu(), Fixtures.NORM, new InputShape(3, 8, 8)))
        .hasMessageContaining("normalization has 1 channels");
    assertThat(new Normalization(new float[] {0.5f}, new float[] {0.25f}))
        .isEqualTo(Fixtures.NORM)
        .hasSameHashCodeAs(Fixtures.NORM);
  }
}

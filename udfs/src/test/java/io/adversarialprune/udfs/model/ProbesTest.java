package io.adversarialprune.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Probes} against make_probe_fixtures.py's hooked PyTorch reference. */
class ProbesTest {

  private static final JsonObject FIXTURES = Fixtures.probeFixtures();
  private static Classifier model;
  private static Probes probes;

  @BeforeAll
  static void load() {
    model = Fixtures.loadProbeTiny();
    probes = Probes.of(model);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void listsTheMethodsAndTheProbedLayersWithTheirShapes() {
    assertThat(model.methods()).contains("forward").containsAll(Probes.METHODS);
    JsonArray layers = FIXTURES.getAsJsonArray("layers");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      JsonObject layer = layers.get(i).getAsJsonObject();
      names.add(layer.get("name").getAsString());
      long[] shape = Fixtures.longs(layer.get("shape"));
      assertThat(probes.shape(i)).containsExactly(Arrays.copyOfRange(shape, 1, shape.length));
    }
    assertThat(probes.names()).containsExactlyElementsOf(names).endsWith("logits");
  }

  @Test
  void modelWithoutProbesIsRefusedNamingTheMissingMethodsAndTheExportTool() {
    try (Classifier plain = Fixtures.loadTiny()) {
      assertThat(Probes.missingMethods(plain)).containsExactlyElementsOf(Probes.METHODS);
      assertThatThrownBy(() -> Probes.of(plain))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("tiny.pt")
          .hasMessageContaining(
              "no method probe_names, features, forward_clamped, forward_clamped_st,"
                  + " features_clamped")
          .hasMessageContaining("deploy/models/export_model.py");
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = MemoryFormat.class,
      names = {"CONTIGUOUS", "CHANNELS_LAST"})
  void featuresMatchTheActivationsForwardHooksRecord(MemoryFormat format) {
    try (Classifier m =
        Classifier.load(
            Fixtures.file("probe-tiny.pt"),
            Device.cpu(),
            Fixtures.NORM,
            Fixtures.SHAPE,
            Classifier.Mode.DIFFERENTIABLE,
            format)) {
      List<Probes.Activation> got = Probes.of(m).activations(Fixtures.floats(FIXTURES.get("x")));
      JsonArray layers = FIXTURES.getAsJsonArray("layers");
      assertThat(got).hasSize(layers.size());
      for (int i = 0; i < got.size(); i++) {
        JsonObject layer = layers.get(i).getAsJsonObject();
        Probes.Activation a = got.get(i);
        assertThat(a.layer()).isEqualTo(layer.get("name").getAsString());
        assertThat(a.shape()).containsExactly(Fixtures.longs(layer.get("shape")));
        float[] expected = Fixtures.floats(layer.get("clean"));
        assertThat(Fixtures.firstMismatch(a.values(), expected, 1e-4, 1e-5))
            .as("first mismatch in layer %s", a.layer())
            .isEqualTo(-1);
      }
    }
  }

  @Test
  void lastFeatureIsTheForwardPassBitForBit() {
    float[] x = Fixtures.floats(FIXTURES.get("x"));
    List<Probes.Activation> got = probes.activations(x);
    float[] logits;
    try (NDManager scope = model.manager().newSubManager()) {
      logits = model.logits(scope.create(x, new Shape(4, 1, 8, 8))).toFloatArray();
    }
    assertThat(got.get(got.size() - 1).values()).containsExactly(logits);
  }

  @ParameterizedTest
  @ValueSource(strings = {"per-channel", "per-channel-st", "scalar", "none"})
  void clampedLogitsAndTheirInputGradientMatchPyTorch(String name) {
    JsonObject c = clampCase(name);
    ClampBounds bounds = bounds(c);
    float[] x = Fixtures.floats(FIXTURES.get("x"));
    int[] labels = Fixtures.ints(FIXTURES.get("labels"));
    ClampGradient gradient =
        c.get("straight_through").getAsBoolean()
            ? ClampGradient.STRAIGHT_THROUGH
            : ClampGradient.EXACT;
    float[][] out = clampedLogitsAndGradient(bounds, gradient, x, labels);
    assertThat(Fixtures.firstMismatch(out[0], Fixtures.floats(c.get("logits")), 1e-4, 1e-5))
        .isEqualTo(-1);
    assertThat(Fixtures.firstMismatch(out[1], Fixtures.floats(c.get("grad")), 1e-3, 1e-5))
        .isEqualTo(-1);
    model.parameters().values().forEach(p -> assertThat(p.hasGradient()).isFalse());
  }

  @Test
  void clampingReallyCutsTheGradientOfTheClampedUnits() {
    // The per-channel case clamps most of every layer: its gradient differs from the plain one.
    float[] x = Fixtures.floats(FIXTURES.get("x"));
    int[] labels = Fixtures.ints(FIXTURES.get("labels"));
    ClampBounds bounds = bounds(clampCase("per-channel"));
    float[][] exact = clampedLogitsAndGradient(bounds, ClampGradient.EXACT, x, labels);
    float[][] st = clampedLogitsAndGradient(bounds, ClampGradient.STRAIGHT_THROUGH, x, labels);
    float[] plain = Fixtures.inputGradient(model, x, labels);
    assertThat(Fixtures.firstMismatch(exact[1], plain, 0.1, 0)).isNotEqualTo(-1);
    assertThat(Fixtures.firstMismatch(st[1], exact[1], 0.1, 0)).isNotEqualTo(-1);
    // Only the gradient differs: the straight-through values are the clamped ones, bit for bit.
    assertThat(st[0]).containsExactly(exact[0]);
  }

  @Test
  void withoutBoundsTheClampedForwardIsTheForwardBitForBit() {
    float[] x = Fixtures.floats(FIXTURES.get("x"));
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray pixels = scope.create(x, new Shape(4, 1, 8, 8));
      float[] plain = model.logits(pixels).toFloatArray();
      ClampBounds none = ClampBounds.none(probes.size());
      assertThat(probes.logitsClamped(pixels, none).toFloatArray()).containsExactly(plain);
      assertThat(probes.logitsClamped(pixels, none, ClampGradient.STRAIGHT_THROUGH).toFloatArray())
          .containsExactly(plain);
    }
  }

  @Test
  void boundsOfTheWrongShapeAreRefusedNamingTheLayer() {
    List<float[]> lower = new ArrayList<>();
    List<float[]> upper = new ArrayList<>();
    for (int i = 0; i < probes.size(); i++) {
      lower.add(new float[] {-1f});
      upper.add(new float[] {1f});
    }
    lower.set(4, new float[] {-1f, -1f});
    upper.set(4, new float[] {1f, 1f});
    ClampBounds wrongChannels = new ClampBounds(lower, upper);
    assertThatThrownBy(() -> probes.check(wrongChannels))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("layer2")
        .hasMessageContaining("(6)");
    assertThatThrownBy(() -> probes.check(ClampBounds.none(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 layers")
        .hasMessageContaining("8 probes");
  }

  /** {logits, input gradient of the summed cross entropy} through forward_clamped. */
  private static float[][] clampedLogitsAndGradient(
      ClampBounds bounds, ClampGradient gradient, float[] x, int[] labels) {
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray leaf = scope.create(x, new Shape(labels.length, 1, 8, 8));
      leaf.setRequiresGradient(true);
      JniUtils.setGradMode(true);
      NDArray logits = probes.logitsClamped(leaf, bounds, gradient);
      NDArray y = scope.create(Arrays.stream(labels).asLongStream().toArray());
      NDArray loss = logits.logSoftmax(1).gather(y.reshape(labels.length, 1), 1).neg().sum();
      JniUtils.backward((PtNDArray) loss, (PtNDArray) scope.ones(loss.getShape()), false, false);
      JniUtils.setGradMode(false);
      return new float[][] {logits.toFloatArray(), leaf.getGradient().toFloatArray()};
    } finally {
      JniUtils.setGradMode(false);
    }
  }

  private static JsonObject clampCase(String name) {
    for (JsonElement e : FIXTURES.getAsJsonArray("clamp")) {
      if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
        return e.getAsJsonObject();
      }
    }
    throw new IllegalArgumentException("no clamp case " + name);
  }

  /** The case's bounds; JSON null stands for -inf (lower) and +inf (upper). */
  static ClampBounds bounds(JsonObject c) {
    return new ClampBounds(
        side(c.getAsJsonArray("lower"), Float.NEGATIVE_INFINITY),
        side(c.getAsJsonArray("upper"), Float.POSITIVE_INFINITY));
  }

  private static List<float[]> side(JsonArray layers, float missing) {
    List<float[]> out = new ArrayList<>();
    for (JsonElement layer : layers) {
      JsonArray values = layer.getAsJsonArray();
      float[] b = new float[values.size()];
      for (int i = 0; i < b.length; i++) {
        b[i] = values.get(i).isJsonNull() ? missing : values.get(i).getAsFloat();
      }
      out.add(b);
    }
    return out;
  }
}

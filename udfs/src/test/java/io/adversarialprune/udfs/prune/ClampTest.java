package io.adversarialprune.udfs.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.anatomy.Anatomy;
import io.adversarialprune.udfs.anatomy.LayerStats;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.attack.Predictions;
import io.adversarialprune.udfs.exec.ModelPool;
import io.adversarialprune.udfs.exec.ModelSlot;
import io.adversarialprune.udfs.model.ClampBounds;
import io.adversarialprune.udfs.model.ClampGradient;
import io.adversarialprune.udfs.model.ClampedClassifier;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.MemoryFormat;
import io.adversarialprune.udfs.model.Network;
import io.adversarialprune.udfs.model.Probes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The feature-map clamp (prune kind A) against make_clamp_fixtures.py: its calibration against
 * numpy, and PGD-Linf through the clamped model, exact and straight-through, against PyTorch's
 * hooked model, bit for bit.
 */
class ClampTest {

  private static final JsonObject FIXTURES = Fixtures.json("clamp-fixtures.json");
  private static final float[] CALIBRATION = Fixtures.floats(FIXTURES.get("x_cal"));
  private static final float[] X = Fixtures.floats(FIXTURES.get("x"));
  private static final int[] LABELS = Fixtures.ints(FIXTURES.get("labels"));
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

  @ParameterizedTest(name = "calibration {0}")
  @ValueSource(ints = {0, 1})
  void calibrationMatchesNumpy(int index) {
    JsonObject c = FIXTURES.getAsJsonArray("calibrations").get(index).getAsJsonObject();
    String layers = c.get("layers_regex").getAsString();
    double multiple = c.get("multiple").getAsDouble();
    ActivationClamp.Result got =
        ActivationClamp.calibrate(
            probes, new ActivationClamp.Calibration(CALIBRATION, layers, 40), multiple);
    ClampBounds expected = bounds(c);
    for (int i = 0; i < probes.size(); i++) {
      String layer = probes.names().get(i);
      assertThat(mismatch(got.bounds().lower(i), expected.lower(i), 1e-5, 1e-6))
          .as("lower bounds of %s", layer)
          .isEqualTo(-1);
      assertThat(mismatch(got.bounds().upper(i), expected.upper(i), 1e-5, 1e-6))
          .as("upper bounds of %s", layer)
          .isEqualTo(-1);
    }
    JsonArray rows = c.getAsJsonArray("layers");
    assertThat(got.layers()).hasSize(rows.size());
    for (int k = 0; k < rows.size(); k++) {
      JsonObject row = rows.get(k).getAsJsonObject();
      ParameterStats p = got.layers().get(k);
      assertThat(p.name()).isEqualTo(row.get("name").getAsString());
      assertThat(p.elements()).isEqualTo(row.get("elements").getAsLong());
      assertThat(p.changed())
          .as("%s: values clipped", p.name())
          .isCloseTo(
              row.get("changed").getAsLong(),
              org.assertj.core.data.Offset.offset(row.get("near").getAsLong()));
      assertClose(p.meanBefore(), row.get("mean_before").getAsDouble(), p.name());
      assertClose(p.stdBefore(), row.get("std_before").getAsDouble(), p.name());
      assertClose(p.meanAfter(), row.get("mean_after").getAsDouble(), p.name());
      assertClose(p.stdAfter(), row.get("std_after").getAsDouble(), p.name());
      assertThat(p.normalityP()).isNull();
    }
  }

  @Test
  void calibrationIsDeterministicAndItsBatchesChangeOnlyTheLastBits() {
    ActivationClamp.Result whole =
        ActivationClamp.calibrate(probes, new ActivationClamp.Calibration(CALIBRATION, "", 40), 3);
    ActivationClamp.Result again =
        ActivationClamp.calibrate(probes, new ActivationClamp.Calibration(CALIBRATION, "", 40), 3);
    ActivationClamp.Result sevens =
        ActivationClamp.calibrate(probes, new ActivationClamp.Calibration(CALIBRATION, "", 7), 3);
    assertThat(again.bounds()).isEqualTo(whole.bounds());
    assertThat(again.layers()).isEqualTo(whole.layers());
    for (int i = 0; i < probes.size(); i++) {
      assertThat(mismatch(sevens.bounds().upper(i), whole.bounds().upper(i), 0, 1e-6))
          .isEqualTo(-1);
    }
  }

  @ParameterizedTest(name = "straight-through {0}")
  @ValueSource(booleans = {false, true})
  void pgdThroughTheClampMatchesPyTorchBitForBit(boolean straightThrough) {
    JsonObject c = attackCase(straightThrough);
    // As in AttacksTest: bit for bit holds on any CPU only while no gradient entry is near 0 and,
    // here, no clamped activation is near its bound (see the script's doc).
    assertThat(c.get("sign_margin").getAsDouble()).isGreaterThan(1e-5);
    assertThat(c.get("bound_margin").getAsDouble()).isGreaterThan(1e-5);
    ClampBounds bounds = bounds(FIXTURES.getAsJsonArray("calibrations").get(0).getAsJsonObject());
    ClampGradient gradient = straightThrough ? ClampGradient.STRAIGHT_THROUGH : ClampGradient.EXACT;
    Pgd pgd =
        new Pgd(
            "linf",
            c.get("eps").getAsDouble(),
            c.get("alpha").getAsDouble(),
            c.get("steps").getAsInt(),
            c.get("random_start").getAsBoolean(),
            c.get("restarts").getAsInt(),
            c.get("round").getAsBoolean(),
            c.get("early_stop").getAsBoolean());
    try (ClampedClassifier clamped = ClampedClassifier.of(probes, bounds, gradient)) {
      float[] adv =
          pgd.attack().perturb(clamped, c.get("seed").getAsLong(), Fixtures.ids(6), LABELS, X);
      float[] expected = Fixtures.floats(c.get("adv"));
      int bad = Fixtures.firstMismatch(adv, expected, 0, 0);
      assertThat(bad)
          .as(
              "pixel %d: java %s torch %s",
              bad, bad < 0 ? 0 : adv[bad], bad < 0 ? 0 : expected[bad])
          .isEqualTo(-1);
      // Predictions go through the clamp too (its values do not depend on the gradient).
      assertThat(Predictions.of(clamped, LABELS, adv).predictions())
          .containsExactly(Fixtures.ints(c.get("adv_pred")));
    }
  }

  @Test
  void theClampedClassifiersForwardIsTheClampedPassAndTheClassifiersStaysPlain() {
    float[] plain = logits(model);
    ClampBounds bounds = bounds(FIXTURES.getAsJsonArray("calibrations").get(0).getAsJsonObject());
    float[] clamped;
    try (ClampedClassifier exact = ClampedClassifier.of(probes, bounds, ClampGradient.EXACT)) {
      clamped = logits(exact);
      assertThat(clamped).isNotEqualTo(plain);
      try (NDManager scope = model.manager().newSubManager()) {
        assertThat(
                probes.logitsClamped(scope.create(X, new Shape(6, 1, 8, 8)), bounds).toFloatArray())
            .containsExactly(clamped);
      }
      assertThat(logits(model)).as("the wrapped classifier").containsExactly(plain);
    }
    // The gradient changes nothing forward; the other memory layout gives the same function.
    try (ClampedClassifier st =
        ClampedClassifier.of(probes, bounds, ClampGradient.STRAIGHT_THROUGH)) {
      assertThat(logits(st)).containsExactly(clamped);
      try (NDManager scope = model.manager().newSubManager()) {
        float[] other =
            st.logits(scope.create(X, new Shape(6, 1, 8, 8)), MemoryFormat.CONTIGUOUS)
                .toFloatArray();
        assertThat(Fixtures.firstMismatch(other, clamped, 1e-5, 1e-6)).isEqualTo(-1);
      }
    }
    assertThat(logits(model)).containsExactly(plain);
  }

  @Test
  void theClampedNetworksActivationsMatchPyTorchAndAnatomyMeasuresThem() {
    ClampBounds bounds = bounds(FIXTURES.getAsJsonArray("calibrations").get(0).getAsJsonObject());
    int n = FIXTURES.get("feature_images").getAsInt();
    int per = model.inputShape().pixels();
    float[] clean = Arrays.copyOf(X, n * per);
    float[] adv = Arrays.copyOf(Fixtures.floats(attackCase(false).get("adv")), n * per);
    JsonObject expected = FIXTURES.getAsJsonObject("clamped_features");
    List<float[]> expectedClean = layers(expected.getAsJsonArray("clean"));
    List<float[]> expectedAdv = layers(expected.getAsJsonArray("adv"));
    List<float[]> plain = new ArrayList<>();
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray pixels = scope.create(clean, new Shape(n, 1, 8, 8));
      NDList got = probes.featuresClamped(pixels, bounds);
      NDList unclampedPass = probes.features(pixels);
      for (int i = 0; i < probes.size(); i++) {
        float[] layer = got.get(i).toFloatArray();
        assertThat(Fixtures.firstMismatch(layer, expectedClean.get(i), 1e-5, 1e-6))
            .as("layer %s after its clamp", probes.names().get(i))
            .isEqualTo(-1);
        plain.add(unclampedPass.get(i).toFloatArray());
      }
      // The last activation is the clamped forward's output, bit for bit.
      assertThat(got.get(probes.size() - 1).toFloatArray())
          .containsExactly(probes.logitsClamped(pixels, bounds).toFloatArray());
    }
    // The S = 1.5 clamp changes every clamped layer's values (bn1 is not clamped here).
    for (String layer : List.of("conv1", "relu", "layer1", "layer2", "layer3", "avgpool")) {
      int i = probes.indexOf(layer);
      assertThat(plain.get(i)).as(layer).isNotEqualTo(expectedClean.get(i));
    }
    // Anatomy of a clamped model measures the clamped network; of the plain one, the plain one.
    List<LayerStats> measured;
    try (ClampedClassifier clamped = ClampedClassifier.of(probes, bounds, ClampGradient.EXACT)) {
      measured = Anatomy.measure(clamped.probes(), clean, adv, Anatomy.TOLERANCE);
    }
    for (int i = 0; i < probes.size(); i++) {
      LayerStats want =
          LayerStats.of(expectedClean.get(i), expectedAdv.get(i), n, Anatomy.TOLERANCE);
      LayerStats got = measured.get(i);
      String layer = probes.names().get(i);
      assertClose(got.cleanMean(), want.cleanMean(), layer + " clean mean");
      assertClose(got.advMean(), want.advMean(), layer + " adversarial mean");
      assertClose(got.advStd(), want.advStd(), layer + " adversarial std");
      assertClose(got.relativeL2(), want.relativeL2(), layer + " relative change");
      assertClose(got.maxRatio(), want.maxRatio(), layer + " max ratio");
    }
    List<LayerStats> unclamped = Anatomy.measure(probes, clean, adv, Anatomy.TOLERANCE);
    assertThat(unclamped.get(probes.indexOf("layer3")).advMean())
        .isNotCloseTo(
            measured.get(probes.indexOf("layer3")).advMean(),
            org.assertj.core.data.Offset.offset(1e-4));
  }

  @Test
  void aSlotPrunesTheWeightsFirstThenClampsAndRestoreUndoesBoth() {
    ModelPool.Key key = probeTinyKey();
    PruneSpec weights = PruneSpec.of(new PruneStep(PruneType.E, 0.05));
    ClampSpec a3 = new ClampSpec(3);
    assertThat(ClampSpec.label(weights, a3)).isEqualTo("E=0.05+A=3");
    ActivationClamp.Calibration calibration = new ActivationClamp.Calibration(CALIBRATION, "", 40);
    try (ModelPool pool = new ModelPool();
        ModelPool.Lease lease = pool.borrow(key)) {
      ModelSlot slot = lease.slot();
      PruneReport clampOnly = slot.prune(PruneSpec.none(), a3, 0, calibration);
      assertThat(clampOnly.changed()).as("A changes no weight").isZero();
      assertThat(clampOnly.clamps()).hasSize(probes.size() - 1);
      ClampBounds unpruned = slot.clampBounds();
      PruneReport report = slot.prune(weights, a3, 0, calibration);
      assertThat(report.changed()).isPositive();
      assertThat(report.rows()).hasSize(report.parameters().size() + probes.size() - 1);
      assertThat(report.clamps().get(0).name()).isEqualTo("clamp:conv1");
      assertThat(slot.clampBounds())
          .as("calibrated on the pruned weights")
          .isNotNull()
          .isNotEqualTo(unpruned);
      assertThat(slot.prune(weights, a3, 0, calibration)).isSameAs(report);
      assertThatThrownBy(() -> slot.prune(weights, a3, 0, null)).hasMessageContaining("E=0.05+A=3");
      slot.restore();
      assertThat(slot.clampBounds()).isNull();
    }
  }

  @Test
  void aSlotsUnitsAttackTheClampedClassifierWithTheirGradientAndThePlainOneWithoutA() {
    ActivationClamp.Calibration calibration = new ActivationClamp.Calibration(CALIBRATION, "", 40);
    try (ModelPool pool = new ModelPool();
        ModelPool.Lease lease = pool.borrow(probeTinyKey())) {
      ModelSlot slot = lease.slot();
      assertThat(slot.network(ClampGradient.EXACT)).isSameAs(slot.classifier());
      slot.prune(PruneSpec.none(), new ClampSpec(3), 0, calibration);
      Network exact = slot.network(ClampGradient.EXACT);
      Network straightThrough = slot.network(ClampGradient.STRAIGHT_THROUGH);
      assertThat(exact).isInstanceOf(ClampedClassifier.class).isNotSameAs(slot.classifier());
      assertThat(((ClampedClassifier) exact).gradient()).isEqualTo(ClampGradient.EXACT);
      assertThat(((ClampedClassifier) straightThrough).gradient())
          .isEqualTo(ClampGradient.STRAIGHT_THROUGH);
      assertThat(((ClampedClassifier) straightThrough).bounds()).isEqualTo(slot.clampBounds());
      assertThat(slot.network(ClampGradient.STRAIGHT_THROUGH)).isSameAs(straightThrough);
      assertThat(slot.probes().clamped()).as("anatomy sees the clamped network").isTrue();
      slot.prune(PruneSpec.of(new PruneStep(PruneType.E, 0.05)), null, 0, calibration);
      assertThat(slot.network(ClampGradient.STRAIGHT_THROUGH)).isSameAs(slot.classifier());
      assertThat(slot.probes().clamped()).isFalse();
    }
  }

  @Test
  void onCpuAClampedStepIsDifferentiatedByAutogradNotByTheJit(@TempDir Path dir)
      throws IOException {
    // With libtorch's graph executor optimizer on, TorchScript's profiling executor groups the
    // clamped method's ReLUs and batch norms into differentiable graphs with the JIT's own, slower,
    // gradient formulas (from its second call on); Classifier turns the optimizer off for clamped
    // calls on CPU. A fresh model, so that these are the method's first calls.
    ClampBounds bounds = bounds(FIXTURES.getAsJsonArray("calibrations").get(1).getAsJsonObject());
    try (Classifier plain = Fixtures.loadProbeTiny();
        ClampedClassifier fresh =
            ClampedClassifier.of(Probes.of(plain), bounds, ClampGradient.EXACT)) {
      float[] expected = Fixtures.inputGradient(fresh, X, LABELS);
      for (int i = 0; i < 2; i++) {
        Fixtures.inputGradient(fresh, X, LABELS);
      }
      Path trace = dir.resolve("trace.json");
      JniUtils.startProfile(false, false, false);
      float[] profiled;
      try {
        profiled = Fixtures.inputGradient(fresh, X, LABELS);
      } finally {
        JniUtils.stopProfile(trace.toString());
      }
      assertThat(Files.readString(trace))
          .contains("forward_clamped")
          .contains("aten::threshold_backward")
          .doesNotContain("DifferentiableGraph");
      assertThat(profiled).containsExactly(expected);
    }
  }

  @Test
  void aMultipleThatIsNotPositiveIsRefused() {
    assertThatThrownBy(() -> new ClampSpec(0))
        .hasMessageContaining("prune value for A")
        .hasMessageContaining("> 0");
    assertThat(new ClampSpec(0.5).label()).isEqualTo("A=0.5");
    assertThat(ClampSpec.label(PruneSpec.none(), new ClampSpec(3))).isEqualTo("A=3");
  }

  @Test
  void layersAreChosenByWholeNamesAndUnknownOnesAreNamedWithTheProbes() {
    List<String> names = probes.names();
    assertThat(ActivationClamp.select(names, "")).hasSize(names.size() - 1);
    assertThat(ActivationClamp.select(names, "layer[23]"))
        .containsExactly(names.indexOf("layer2"), names.indexOf("layer3"));
    assertThat(ActivationClamp.select(names, "layer")).isEmpty();
    assertThat(ActivationClamp.problems(names, "layer3|layer9", "k"))
        .singleElement()
        .asString()
        .contains("k names layer 'layer9'")
        .contains("conv1, bn1, relu, layer1, layer2, layer3, avgpool, logits");
    assertThat(ActivationClamp.problems(names, "layer[7-9]", "k"))
        .singleElement()
        .asString()
        .contains("matches none");
    assertThat(ActivationClamp.problems(names, "layer3|avgpool", "k")).isEmpty();
  }

  private static ModelPool.Key probeTinyKey() {
    return new ModelPool.Key(
        Fixtures.file("probe-tiny.pt"),
        Device.cpu(),
        Fixtures.NORM,
        Fixtures.SHAPE,
        Classifier.Mode.DIFFERENTIABLE,
        MemoryFormat.AUTO);
  }

  /** {@link Fixtures#firstMismatch}, with equal infinities (no clamp) equal. */
  private static int mismatch(float[] actual, float[] expected, double rel, double abs) {
    if (actual.length != expected.length) {
      return 0;
    }
    for (int i = 0; i < actual.length; i++) {
      boolean same =
          Float.isInfinite(expected[i])
              ? actual[i] == expected[i]
              : Math.abs(actual[i] - expected[i]) <= rel * Math.abs(expected[i]) + abs;
      if (!same) {
        return i;
      }
    }
    return -1;
  }

  private static float[] logits(Network network) {
    try (NDManager scope = network.manager().newSubManager()) {
      return network.logits(scope.create(X, new Shape(6, 1, 8, 8))).toFloatArray();
    }
  }

  private static void assertClose(double actual, double expected, String what) {
    assertThat(actual)
        .as(what)
        .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5 * Math.abs(expected) + 1e-6));
  }

  private static JsonObject attackCase(boolean straightThrough) {
    for (JsonElement e : FIXTURES.getAsJsonArray("cases")) {
      if (e.getAsJsonObject().get("straight_through").getAsBoolean() == straightThrough) {
        return e.getAsJsonObject();
      }
    }
    throw new IllegalArgumentException("no case");
  }

  private static List<float[]> layers(JsonArray perLayer) {
    List<float[]> out = new ArrayList<>();
    for (JsonElement layer : perLayer) {
      out.add(Fixtures.floats(layer));
    }
    return out;
  }

  /** A calibration's bounds; JSON null stands for -inf (lower) and +inf (upper). */
  private static ClampBounds bounds(JsonObject c) {
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

package io.adversarialprune.udfs.prune;

import static io.adversarialprune.udfs.prune.PrunedModel.floatBits;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The torch prune kinds on the tiny fixture model against what torch's own utilities computed in
 * {@code fixtures/make_prune_fixtures.py} ({@code prune-fixtures.json}, section {@code tiny}):
 * every value bit for bit, and the changed counts; plus RANDOM, which has no torch twin, and the
 * kinds' parameter selection and restore.
 */
class TorchPruneKindsTest {

  private static JsonObject tiny;
  private static PrunedModel m;

  @BeforeAll
  static void load() {
    tiny = PrunedModel.fixture().getAsJsonObject("tiny");
    m = new PrunedModel(Fixtures.tiny());
  }

  @AfterAll
  static void close() {
    m.close();
  }

  @AfterEach
  void restore() {
    m.pruner.restore();
  }

  static List<String> l1() {
    return PrunedModel.labels(tiny(), PruneType.L1);
  }

  static List<String> l1Global() {
    return PrunedModel.labels(tiny(), PruneType.L1G);
  }

  static List<String> ln1() {
    return PrunedModel.labels(tiny(), PruneType.LN1);
  }

  static List<String> ln2() {
    return PrunedModel.labels(tiny(), PruneType.LN2);
  }

  static List<String> perTensor() {
    return PrunedModel.labels(tiny(), PruneType.Q);
  }

  static List<String> perChannel() {
    return PrunedModel.labels(tiny(), PruneType.QC);
  }

  /** MethodSource runs before BeforeAll. */
  private static JsonObject tiny() {
    return PrunedModel.fixture().getAsJsonObject("tiny");
  }

  @ParameterizedTest
  @MethodSource("l1")
  void l1PerTensorIsTorchsL1Unstructured(String label) {
    assertMatchesTorch(label);
  }

  @ParameterizedTest
  @MethodSource("l1Global")
  void l1GlobalIsTorchsGlobalUnstructured(String label) {
    assertMatchesTorch(label);
  }

  @ParameterizedTest
  @MethodSource("ln1")
  void ln1IsTorchsLnStructuredWithN1(String label) {
    assertMatchesTorch(label);
  }

  @ParameterizedTest
  @MethodSource("ln2")
  void ln2IsTorchsLnStructuredWithN2(String label) {
    assertMatchesTorch(label);
  }

  @ParameterizedTest
  @MethodSource("perTensor")
  void qIsTorchsFakeQuantizePerTensor(String label) {
    assertMatchesTorch(label);
  }

  @ParameterizedTest
  @MethodSource("perChannel")
  void qcIsTorchsFakeQuantizePerChannel(String label) {
    assertMatchesTorch(label);
  }

  @Test
  void compositeAppliesEThenL1ThenQcAsTorchDoes() {
    assertMatchesTorch("E=0.02+L1=0.3+QC=8");
  }

  /**
   * Every parameter's values bitwise (those the case does not list must be the originals), the
   * changed counts, and for mask kinds the mask: a masked element counts as changed, so each
   * tensor's changed count is its mask's zeros, and its value is the original times 0.
   */
  private static void assertMatchesTorch(String label) {
    JsonObject c = PrunedModel.caseOf(tiny, label);
    PruneReport report = m.pruner.apply(PrunedModel.spec(label), 0);
    Map<String, float[]> now = m.snapshot();
    JsonObject values = c.getAsJsonObject("values");
    JsonObject counts = c.getAsJsonObject("changed");
    Map<String, Long> wantCounts = new LinkedHashMap<>();
    for (String name : m.params.keySet()) {
      int[] want =
          values.has(name)
              ? PrunedModel.hexBits(values.get(name).getAsString())
              : floatBits(m.original.get(name));
      assertThat(floatBits(now.get(name))).as(label + " " + name).containsExactly(want);
      wantCounts.put(name, counts.has(name) ? counts.get(name).getAsLong() : 0L);
    }
    assertThat(PrunedModel.changed(report)).as(label).containsExactlyEntriesOf(wantCounts);
    if (c.get("masks").isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : c.getAsJsonObject("masks").entrySet()) {
        String mask = e.getValue().getAsString();
        long zeros = mask.chars().filter(ch -> ch == '0').count();
        assertThat(wantCounts.get(e.getKey()))
            .as(label + " mask of " + e.getKey())
            .isEqualTo(zeros);
        float[] o = m.original.get(e.getKey());
        float[] w = now.get(e.getKey());
        for (int i = 0; i < o.length; i++) {
          float expect = mask.charAt(i) == '0' ? o[i] * 0f : o[i];
          assertThat(Float.floatToRawIntBits(w[i]))
              .as(label + " " + e.getKey() + "[" + i + "]")
              .isEqualTo(Float.floatToRawIntBits(expect));
        }
      }
    }
    assertThat(report.ratio()).isEqualTo((double) report.changed() / report.elements());
  }

  /**
   * The fixture's probe weight has elements where {@code w / scale} and {@code w * (1 / scale)}
   * round to different integers; torch multiplies by the inverse, and so must we.
   */
  @ParameterizedTest
  @MethodSource("quantizations")
  void quantizationMultipliesByTheInverseScaleAsTorch(String label) {
    JsonObject inverse = PrunedModel.fixture().getAsJsonObject("inverse");
    assertThat(
            inverse
                .getAsJsonObject("checks")
                .getAsJsonObject(label)
                .get("elements_where_dividing_differs")
                .getAsInt())
        .isPositive();
    int[] bits = PrunedModel.hexBits(inverse.get("weight").getAsString());
    float[] w = new float[bits.length];
    for (int i = 0; i < w.length; i++) {
      w[i] = Float.intBitsToFloat(bits[i]);
    }
    try (NDManager scope = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      NDArray probe = scope.create(w, new Shape(4, 64));
      try (WeightPruner p = new WeightPruner(Map.of("probe.weight", probe))) {
        p.apply(PrunedModel.spec(label), 0);
        assertThat(floatBits(probe.toFloatArray()))
            .containsExactly(PrunedModel.hexBits(inverse.get(label).getAsString()));
      }
    }
  }

  static List<String> quantizations() {
    return List.of("Q=8", "QC=8");
  }

  @Test
  void torchKindsTouchOnlyConvAndLinearWeights() {
    PruneReport report = m.pruner.apply(PrunedModel.spec("L1G=0.9+RANDOM=0.5+QC=4"), 1);
    Map<String, float[]> now = m.snapshot();
    for (ParameterStats ps : report.parameters()) {
      boolean matrixWeight = m.params.get(ps.name()).getShape().dimension() >= 2;
      assertThat(ps.changed() > 0).as(ps.name()).isEqualTo(matrixWeight);
      assertThat(Arrays.equals(now.get(ps.name()), m.original.get(ps.name())))
          .as(ps.name())
          .isEqualTo(!matrixWeight);
    }
    // The study's kinds keep touching every parameter, batch norm and biases included.
    PruneReport e = m.pruner.apply(PrunedModel.spec("E=0.2"), 1);
    assertThat(PrunedModel.changed(e).get("bn1.bias")).isPositive();
  }

  @Test
  void excludeNarrowsTheGlobalRanking() {
    PruneSpec spec = new PruneSpec(List.of(new PruneStep(PruneType.L1G, 0.5)), null, "^fc", true);
    Map<String, Long> changed = PrunedModel.changed(m.pruner.apply(spec, 0));
    assertThat(changed.get("fc.weight")).isZero();
    long pool = m.original.get("conv1.weight").length + m.original.get("conv2.weight").length;
    assertThat(changed.get("conv1.weight") + changed.get("conv2.weight"))
        .isEqualTo(Math.round(0.5 * pool));
  }

  @Test
  void randomZeroesRoundAmountTimesNOfEachMatrixWeight() {
    double amount = 0.3;
    PruneReport report = m.pruner.apply(PrunedModel.spec("RANDOM=0.3"), 11);
    Map<String, float[]> now = m.snapshot();
    for (ParameterStats ps : report.parameters()) {
      float[] o = m.original.get(ps.name());
      float[] w = now.get(ps.name());
      boolean matrixWeight = m.params.get(ps.name()).getShape().dimension() >= 2;
      long want = matrixWeight ? (long) Math.rint(amount * o.length) : 0;
      assertThat(ps.changed()).as(ps.name()).isEqualTo(want);
      long zeroed = 0;
      for (int i = 0; i < o.length; i++) {
        if (Float.floatToRawIntBits(w[i]) != Float.floatToRawIntBits(o[i])) {
          assertThat(Float.floatToRawIntBits(w[i])).isEqualTo(Float.floatToRawIntBits(o[i] * 0f));
          zeroed++;
        }
      }
      // The fixture's weights have no zeros, so every pick shows.
      assertThat(zeroed).as(ps.name()).isEqualTo(want);
    }
  }

  @Test
  void randomIsDeterministicPerSeedAndParameter() {
    m.pruner.apply(PrunedModel.spec("RANDOM=0.5"), 5);
    Map<String, float[]> first = m.snapshot();
    m.pruner.apply(PrunedModel.spec("RANDOM=0.5"), 5);
    assertSameBits(m.snapshot(), first);

    // Another model instance, pruner and JVM-independent seed mixing: the same picks.
    try (PrunedModel other = new PrunedModel(Fixtures.tiny())) {
      other.pruner.apply(PrunedModel.spec("RANDOM=0.5"), 5);
      assertSameBits(other.snapshot(), first);
    }

    // A parameter's picks depend on (seed, its name) only, not on which others are pruned.
    PruneSpec onlyConv2 =
        new PruneSpec(List.of(new PruneStep(PruneType.RANDOM, 0.5)), "conv2", null, true);
    m.pruner.apply(onlyConv2, 5);
    assertThat(floatBits(m.snapshot().get("conv2.weight")))
        .containsExactly(floatBits(first.get("conv2.weight")));

    m.pruner.apply(PrunedModel.spec("RANDOM=0.5"), 6);
    assertThat(Arrays.equals(m.snapshot().get("conv2.weight"), first.get("conv2.weight")))
        .isFalse();
  }

  @Test
  void restoreIsBitwiseAfterEveryKind() {
    for (String label :
        List.of(
            "L1=0.7",
            "L1G=0.7",
            "LN1=0.7",
            "LN2=0.3",
            "RANDOM=0.9",
            "Q=4",
            "QC=8",
            "E=0.05+S=1+R=0.01+L1=0.3+L1G=0.3+LN1=0.3+LN2=0.3+RANDOM=0.3+Q=8")) {
      PruneReport report = m.pruner.apply(PrunedModel.spec(label), 2);
      assertThat(report.changed()).as(label).isPositive();
      m.pruner.restore();
      assertSameBits(m.snapshot(), m.original);
    }
    // apply() restores first: L1 after L1G equals L1 on the original model.
    m.pruner.apply(PrunedModel.spec("L1=0.3"), 0);
    Map<String, float[]> l1 = m.snapshot();
    m.pruner.apply(PrunedModel.spec("L1G=0.9"), 0);
    m.pruner.apply(PrunedModel.spec("L1=0.3"), 0);
    assertSameBits(m.snapshot(), l1);
  }

  @Test
  void quantizationLeavesZeroTensorsAndChannelsAlone() {
    try (NDManager scope = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      NDArray zeros = scope.zeros(new Shape(2, 3));
      NDArray half = scope.create(new float[] {0f, 0f, 0f, 0.5f, -1f, 0.3f}, new Shape(2, 3));
      NDArray bias = scope.create(new float[] {0.123f, -0.456f});
      Map<String, NDArray> ps = new LinkedHashMap<>();
      ps.put("a.weight", zeros);
      ps.put("b.weight", half);
      ps.put("b.bias", bias);
      try (WeightPruner p = new WeightPruner(ps)) {
        PruneReport report = p.apply(PrunedModel.spec("QC=2"), 0);
        assertThat(zeros.toFloatArray()).containsOnly(0f);
        // 2 bits: q in [-2, 1], scale = max|w| / 1 per channel; 0.5 rounds half to even, to 0.
        // Channel 0 is all zero: its scale is floored at float32 eps instead of dividing by 0.
        assertThat(half.toFloatArray()).containsExactly(0f, 0f, 0f, 0f, -1f, 0f);
        assertThat(bias.toFloatArray()).containsExactly(0.123f, -0.456f);
        assertThat(PrunedModel.changed(report))
            .containsExactly(
                Map.entry("a.weight", 0L), Map.entry("b.weight", 2L), Map.entry("b.bias", 0L));
      }
    }
  }

  private static void assertSameBits(Map<String, float[]> a, Map<String, float[]> b) {
    assertThat(a.keySet()).containsExactlyElementsOf(b.keySet());
    a.forEach((k, v) -> assertThat(floatBits(v)).as(k).containsExactly(floatBits(b.get(k))));
  }
}

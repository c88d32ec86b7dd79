package io.adversarialprune.udfs.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link WeightPruner} on the tiny TorchScript fixture against the counts and p-values
 * PyTorch and scipy computed in {@code fixtures/make_fixtures.py}.
 */
class WeightPrunerTest {

  private static Path modelPath;
  private static JsonObject expected;
  private static Model model;
  private static Map<String, NDArray> params;
  private static WeightPruner pruner;

  @BeforeAll
  static void load() throws IOException, URISyntaxException, MalformedModelException {
    modelPath = Path.of(WeightPrunerTest.class.getResource("/fixtures/tiny.pt").toURI());
    try (Reader r = Files.newBufferedReader(modelPath.resolveSibling("expected.json"))) {
      expected = JsonParser.parseReader(r).getAsJsonObject();
    }
    model = loadModel();
    params = parameters(model);
    pruner = new WeightPruner(params);
  }

  @AfterAll
  static void close() {
    pruner.close();
    model.close();
  }

  @AfterEach
  void restore() {
    pruner.restore();
  }

  private static Model loadModel() throws IOException, MalformedModelException {
    Model m = Model.newInstance("tiny", Device.cpu(), "PyTorch");
    m.load(modelPath, "tiny", Map.of("trainParam", "true"));
    ((PtSymbolBlock) m.getBlock()).freezeParameters(true);
    return m;
  }

  private static Map<String, NDArray> parameters(Model m) {
    Map<String, NDArray> map = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : m.getBlock().getParameters()) {
      map.put(p.getKey(), p.getValue().getArray());
    }
    return map;
  }

  private static Map<String, float[]> snapshot(Map<String, NDArray> ps) {
    Map<String, float[]> map = new LinkedHashMap<>();
    ps.forEach((k, v) -> map.put(k, v.toFloatArray()));
    return map;
  }

  /** Logits of the fixture's inputs, normalized as the fixture's model expects. */
  private static float[] logits(Model m) {
    try (NDManager scope = m.getNDManager().newSubManager()) {
      float[] x = new float[expected.getAsJsonArray("x").size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = (expected.getAsJsonArray("x").get(i).getAsFloat() - 0.5f) / 0.25f;
      }
      NDArray input = scope.create(x, new Shape(6, 1, 8, 8));
      // training=true keeps the module in eval mode (see ARCHITECTURE.md, DJL facts).
      NDList out = m.getBlock().forward(new ParameterStore(scope, false), new NDList(input), true);
      return out.singletonOrThrow().toFloatArray();
    }
  }

  private static void assertBitwiseEqual(Map<String, float[]> a, Map<String, float[]> b) {
    assertThat(a.keySet()).containsExactlyElementsOf(b.keySet());
    a.forEach((k, v) -> assertThat(floatBits(v)).as(k).containsExactly(floatBits(b.get(k))));
  }

  private static int[] floatBits(float[] v) {
    int[] bits = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      bits[i] = Float.floatToRawIntBits(v[i]);
    }
    return bits;
  }

  @Test
  void parametersAreTheFixturesAndNoBuffers() {
    JsonObject counts = expected.getAsJsonObject("parameters");
    assertThat(params.keySet()).containsExactlyElementsOf(counts.keySet());
    assertThat(params.keySet()).noneMatch(n -> n.contains("running") || n.contains("batches"));
    PruneReport report = pruner.apply(PruneSpec.none(), 0);
    assertThat(report.elements()).isEqualTo(expected.get("total_elements").getAsLong());
    assertThat(report.changed()).isZero();
  }

  @Test
  void normalityPValuesMatchScipy() {
    Map<String, Double> p = pruner.normalityPValues();
    for (Map.Entry<String, JsonElement> e : expected.getAsJsonObject("normaltest_p").entrySet()) {
      if (e.getValue().isJsonNull()) {
        assertThat(p.get(e.getKey())).as(e.getKey()).isNull();
        continue;
      }
      double want = e.getValue().getAsDouble();
      if (want >= 1e-300) {
        assertThat(Math.abs(p.get(e.getKey()) / want - 1)).as(e.getKey()).isLessThan(1e-4);
      }
    }
    assertThat(pruner.normalityPValues()).isSameAs(p);
  }

  @Test
  void eChangedCountsMatchPyTorch() {
    for (JsonElement c : expected.getAsJsonArray("E")) {
      JsonObject cs = c.getAsJsonObject();
      double e = cs.get("value").getAsDouble();
      PruneReport report = pruner.apply(PruneSpec.of(new PruneStep(PruneType.E, e)), 1);
      assertCounts("E=" + e, report, cs.getAsJsonObject("changed"));
      assertThat(report.changed()).isEqualTo(cs.get("total_changed").getAsLong());
      Map<String, float[]> now = snapshot(params);
      now.forEach(
          (name, w) -> {
            for (float v : w) {
              assertThat(v == 0f || Math.abs(v) >= e).as(name).isTrue();
            }
          });
    }
  }

  @Test
  void sChangedCountsMatchPyTorchWithAndWithoutGate() {
    for (JsonElement c : expected.getAsJsonArray("S")) {
      JsonObject cs = c.getAsJsonObject();
      double s = cs.get("value").getAsDouble();
      List<PruneStep> steps = List.of(new PruneStep(PruneType.S, s));
      assertCounts(
          "gated S=" + s,
          pruner.apply(new PruneSpec(steps, null, null, true), 1),
          cs.getAsJsonObject("changed_gated"));
      assertCounts(
          "ungated S=" + s,
          pruner.apply(new PruneSpec(steps, null, null, false), 1),
          cs.getAsJsonObject("changed_ungated"));
    }
  }

  private static void assertCounts(String what, PruneReport report, JsonObject want) {
    Map<String, Long> got = new LinkedHashMap<>();
    report.parameters().forEach(ps -> got.put(ps.name(), ps.changed()));
    Map<String, Long> exp = new LinkedHashMap<>();
    want.entrySet().forEach(e -> exp.put(e.getKey(), e.getValue().getAsLong()));
    assertThat(got).as(what).containsExactlyEntriesOf(exp);
  }

  @Test
  void rPerturbsEveryElementWithinBoundsDeterministically() {
    Map<String, float[]> orig = snapshot(params);
    double r = 1e-3;
    PruneReport report = pruner.apply(PruneSpec.of(new PruneStep(PruneType.R, r)), 42);
    assertThat(report.ratio()).isGreaterThan(0.99);
    Map<String, float[]> first = snapshot(params);
    first.forEach(
        (name, w) -> {
          float[] o = orig.get(name);
          for (int i = 0; i < w.length; i++) {
            // float rounding of w + noise may move the difference by one ulp of w.
            assertThat(Math.abs((double) w[i] - o[i]))
                .as(name)
                .isLessThanOrEqualTo(r + Math.ulp(Math.abs(o[i]) + (float) r));
          }
        });

    pruner.apply(PruneSpec.of(new PruneStep(PruneType.R, r)), 42);
    assertBitwiseEqual(snapshot(params), first);

    pruner.apply(PruneSpec.of(new PruneStep(PruneType.R, r)), 43);
    assertThat(Arrays.equals(snapshot(params).get("fc.weight"), first.get("fc.weight"))).isFalse();
  }

  @Test
  void rIsTheSameOnASeparatelyLoadedModel() throws Exception {
    PruneSpec spec =
        PruneSpec.of(new PruneStep(PruneType.E, 0.01), new PruneStep(PruneType.R, 0.01));
    pruner.apply(spec, 7);
    Map<String, float[]> here = snapshot(params);
    float[] outHere = logits(model);
    try (Model other = loadModel();
        WeightPruner otherPruner = new WeightPruner(parameters(other))) {
      otherPruner.apply(spec, 7);
      assertBitwiseEqual(snapshot(parameters(other)), here);
      assertThat(floatBits(logits(other))).containsExactly(floatBits(outHere));
    }
  }

  @Test
  void restoreIsBitwiseAndOutputsComeBack() {
    Map<String, float[]> orig = snapshot(params);
    float[] outOrig = logits(model);

    pruner.apply(
        PruneSpec.of(
            new PruneStep(PruneType.E, 0.05),
            new PruneStep(PruneType.S, 1),
            new PruneStep(PruneType.R, 0.01)),
        3);
    // The in-place writes reach the TorchScript module: its outputs change.
    assertThat(Arrays.equals(logits(model), outOrig)).isFalse();

    pruner.restore();
    assertBitwiseEqual(snapshot(params), orig);
    // Bit-identical outputs also show the batch-norm running statistics were not touched.
    assertThat(floatBits(logits(model))).containsExactly(floatBits(outOrig));

    // apply() restores first: E after R equals E on the original.
    pruner.apply(PruneSpec.of(new PruneStep(PruneType.R, 0.1)), 3);
    pruner.apply(PruneSpec.of(new PruneStep(PruneType.E, 0.01)), 3);
    Map<String, float[]> eOnly = snapshot(params);
    pruner.restore();
    pruner.apply(PruneSpec.of(new PruneStep(PruneType.E, 0.01)), 3);
    assertBitwiseEqual(snapshot(params), eOnly);
  }

  @Test
  void writesIntoTheExistingStorageNotANewOne() {
    NDArray fc = params.get("fc.weight");
    float[] orig = fc.toFloatArray();
    try (NDManager scope = fc.getManager().newSubManager()) {
      // A view shares the tensor's storage: it sees in-place copies, not a storage swap (set_).
      NDArray view = fc.get(new NDIndex(":"));
      view.attach(scope);
      pruner.apply(PruneSpec.of(new PruneStep(PruneType.E, 0.05)), 0);
      float[] pruned = fc.toFloatArray();
      assertThat(Arrays.equals(pruned, orig)).isFalse();
      assertThat(floatBits(view.toFloatArray())).containsExactly(floatBits(pruned));
      pruner.restore();
      assertThat(floatBits(view.toFloatArray())).containsExactly(floatBits(orig));
    }
  }

  @Test
  void compositeAppliesEThenRAndCountsEachElementOnce() {
    Map<String, float[]> orig = snapshot(params);
    double e = 0.05;
    double r = 0.001;
    PruneReport report =
        pruner.apply(PruneSpec.of(new PruneStep(PruneType.R, r), new PruneStep(PruneType.E, e)), 5);
    // Both steps touch the small weights; each element still counts once.
    assertThat(report.changed()).isLessThanOrEqualTo(report.elements());
    assertThat(report.ratio()).isGreaterThan(0.99);
    // E ran before R, whatever the list order: the zeroed weights are now pure noise.
    Map<String, float[]> now = snapshot(params);
    orig.forEach(
        (name, o) -> {
          float[] w = now.get(name);
          for (int i = 0; i < o.length; i++) {
            if (Math.abs(o[i]) < e) {
              assertThat(Math.abs(w[i])).as(name).isLessThanOrEqualTo((float) r);
            }
          }
        });
  }

  @Test
  void includeAndExcludeLimitWhatChanges() {
    Map<String, float[]> orig = snapshot(params);
    PruneSpec spec =
        new PruneSpec(List.of(new PruneStep(PruneType.R, 0.01)), "^(conv|fc)", "bias$", true);
    PruneReport report = pruner.apply(spec, 9);
    Map<String, float[]> now = snapshot(params);
    for (ParameterStats ps : report.parameters()) {
      boolean selected = ps.name().matches("^(conv|fc).*") && !ps.name().endsWith("bias");
      assertThat(Arrays.equals(now.get(ps.name()), orig.get(ps.name())))
          .as(ps.name())
          .isEqualTo(!selected);
      assertThat(ps.changed() > 0).as(ps.name()).isEqualTo(selected);
    }
    assertThat(report.elements()).isEqualTo(expected.get("total_elements").getAsLong());
  }

  @Test
  void reportsStatistics() {
    PruneReport report = pruner.apply(PruneSpec.of(new PruneStep(PruneType.S, 1)), 0);
    ParameterStats conv2 =
        report.parameters().stream()
            .filter(p -> p.name().equals("conv2.weight"))
            .findFirst()
            .orElseThrow();
    assertThat(conv2.elements()).isEqualTo(1152);
    assertThat(conv2.stdAfter()).isLessThan(conv2.stdBefore());
    assertThat(conv2.normalityP()).isLessThan(1e-5);
  }

  @Test
  void writesWithGradModeOnAndUnfrozenParameters() throws Exception {
    try (Model m = Model.newInstance("tiny", Device.cpu(), "PyTorch")) {
      m.load(modelPath, "tiny", Map.of("trainParam", "true"));
      Map<String, NDArray> ps = parameters(m);
      Map<String, float[]> orig = snapshot(ps);
      JniUtils.setGradMode(true);
      try (WeightPruner p = new WeightPruner(ps)) {
        PruneReport report = p.apply(PruneSpec.of(new PruneStep(PruneType.E, 0.05)), 0);
        assertThat(report.changed()).isEqualTo(776);
        assertThat(JniUtils.isGradMode()).isTrue();
        p.restore();
        assertBitwiseEqual(snapshot(ps), orig);
      } finally {
        JniUtils.setGradMode(false);
      }
    }
  }

  @Test
  void refusesInferenceTensorsUpFront() throws Exception {
    try (Model m = Model.newInstance("tiny", Device.cpu(), "PyTorch")) {
      m.load(modelPath, "tiny");
      Map<String, NDArray> ps = parameters(m);
      assertThatThrownBy(() -> new WeightPruner(ps))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("conv1.weight")
          .hasMessageContaining("trainParam");
    }
  }

  @Test
  void rejectsUseAfterClose() {
    try (NDManager scope = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      WeightPruner p = new WeightPruner(Map.of("w", scope.ones(new Shape(4))));
      p.close();
      assertThatThrownBy(p::restore).hasMessageContaining("closed");
    }
  }

  /** Not an assertion: how long one apply() takes on a ResNet-18-sized parameter set. */
  @Test
  void timingOnResNet18SizedParameters() {
    try (NDManager scope = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      Map<String, NDArray> big = new LinkedHashMap<>();
      SplittableRandom rng = new SplittableRandom(1);
      long[] sizes = {
        2_359_296, 2_359_296, 2_359_296, 1_179_648, 589_824, 512_000, 2_359_296, 9_408, 1000
      };
      for (int t = 0; t < sizes.length; t++) {
        float[] v = new float[(int) sizes[t]];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (rng.nextGaussian() * 0.02);
        }
        // Conv and linear shapes (output channels first), so the torch kinds select them; the
        // last one is rank 1, like a bias.
        long perChannel = sizes[t] % 4608 == 0 ? 4608 : sizes[t] == 512_000 ? 512 : 147;
        Shape shape =
            sizes[t] == 1000 ? new Shape(1000) : new Shape(sizes[t] / perChannel, perChannel);
        big.put("layer" + t + ".weight", scope.create(v, shape));
      }
      try (WeightPruner p = new WeightPruner(big)) {
        long t0 = System.nanoTime();
        p.normalityPValues();
        long t1 = System.nanoTime();
        PruneReport rep =
            p.apply(
                PruneSpec.of(
                    new PruneStep(PruneType.E, 0.01),
                    new PruneStep(PruneType.S, 3),
                    new PruneStep(PruneType.R, 0.001)),
                1);
        long t2 = System.nanoTime();
        p.apply(PruneSpec.of(new PruneStep(PruneType.E, 0.01)), 1);
        long t3 = System.nanoTime();
        p.restore();
        long t4 = System.nanoTime();
        System.out.printf(
            "WeightPruner timing on %,d elements: normaltest %d ms, apply E+S+R %d ms,"
                + " apply E %d ms, restore %d ms%n",
            rep.elements(),
            (t1 - t0) / 1_000_000,
            (t2 - t1) / 1_000_000,
            (t3 - t2) / 1_000_000,
            (t4 - t3) / 1_000_000);
        for (PruneType type :
            List.of(PruneType.L1, PruneType.L1G, PruneType.LN2, PruneType.RANDOM, PruneType.QC)) {
          PruneStep step =
              new PruneStep(type, type.valueKind() == PruneType.ValueKind.BITS ? 8 : 0.5);
          long t5 = System.nanoTime();
          p.apply(PruneSpec.of(step), 1);
          System.out.printf(
              "WeightPruner timing: apply %s %d ms%n",
              step.label(), (System.nanoTime() - t5) / 1_000_000);
        }
      }
    }
  }
}

package io.adversarialprune.udfs.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Normalization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every attack against the independent PyTorch reference of make_attack_fixtures.py on the tiny
 * fixture model, plus the properties the reference cannot show (batching, memory, weights).
 */
class AttacksTest {

  private static final JsonObject EXPECTED = Fixtures.json("expected-attacks.json");
  private static final float[] X = Fixtures.floats(EXPECTED.get("x"));
  private static final int[] LABELS = Fixtures.ints(EXPECTED.get("labels"));
  private static final long[] IDS = Fixtures.ids(LABELS.length);
  private static final int PER = Fixtures.SHAPE.pixels();
  private static Classifier model;

  @BeforeAll
  static void load() {
    model = Fixtures.loadTiny();
  }

  @AfterAll
  static void close() {
    model.close();
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (JsonElement e : EXPECTED.getAsJsonArray("cases")) {
      out.add(Arguments.of(spec(e.getAsJsonObject()).label(), e.getAsJsonObject()));
    }
    return out.stream();
  }

  /** The case's spec, made the way the job makes it: through {@link AttackType#make}. */
  static AttackSpec spec(JsonObject c) {
    String type = c.get("type").getAsString();
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("eps", c.get("eps").getAsDouble());
    values.put("round-8bit", c.get("round").getAsBoolean());
    values.put("early-stop", c.get("early_stop").getAsBoolean());
    if (type.startsWith("pgd")) {
      values.put("alpha", c.get("alpha").getAsDouble());
      values.put("random-start", c.get("random_start").getAsBoolean());
    }
    if (!type.equals("fgsm")) {
      values.put("steps", c.get("steps").getAsInt());
      values.put("restarts", c.get("restarts").getAsInt());
    }
    if (type.startsWith("apgd")) {
      values.put("rho", c.get("rho").getAsDouble());
    }
    if (type.equals("apgd-t")) {
      values.put("targets", c.get("targets").getAsInt());
    }
    return AttackType.of(type)
        .make(
            values,
            (key, line) -> {
              throw new IllegalArgumentException(line.apply("case." + key));
            });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void javaDrawsTheReferencesRandomStartsBitForBit(String name, JsonObject c) {
    String type = c.get("type").getAsString();
    long seed = c.get("seed").getAsLong();
    double eps = c.get("eps").getAsDouble();
    boolean noise =
        !type.equals("fgsm") && (!type.startsWith("pgd") || c.get("random_start").getAsBoolean());
    int restart = 0;
    for (JsonElement e : c.getAsJsonArray("starts")) {
      JsonObject used = e.getAsJsonObject();
      long[] ids = Fixtures.longs(used.get("ids"));
      float[] expected = Fixtures.floats(used.get("start"));
      float[] clean = new float[ids.length * PER];
      for (int k = 0; k < ids.length; k++) {
        System.arraycopy(X, (int) ids[k] * PER, clean, k * PER, PER);
      }
      SampleNoise.Start kind =
          switch (type) {
            case "pgd-linf" -> SampleNoise.Start.UNIFORM;
            case "pgd-l2" -> SampleNoise.Start.BALL;
            default -> SampleNoise.Start.SCALED;
          };
      float[] start = noise ? kind.draw(seed, ids, restart, eps, clean, PER) : clean;
      assertThat(start).as("restart %d", restart).containsExactly(expected);
      restart++;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void adversarialImagesMatchTheReference(String name, JsonObject c) {
    AttackSpec spec = spec(c);
    float[] adv = spec.attack().perturb(model, c.get("seed").getAsLong(), IDS, LABELS, X);
    float[] expected = Fixtures.floats(c.get("adv"));
    if (spec.norm().equals("linf")) {
      // Sign steps, min/max projections, momentum with weights 0.75 and 0.25 and halving are
      // exact float operations in the same order in both engines; only the gradients' signs and
      // the loss comparisons come from the models, so the images agree bit for bit. That holds on
      // any CPU only while no gradient entry is near 0, where last-bit differences between
      // kernels could flip a sign: every case keeps its smallest |g| at least 1e-5 of its
      // sample's largest (2.2e-5 at worst in the committed fixture), far above float rounding.
      assertThat(c.get("sign_margin").getAsDouble())
          .as(
              "%s comes too close to a sign flip to be compared bit for bit; pick another case",
              spec.label())
          .isGreaterThan(1e-5);
      int bad = Fixtures.firstMismatch(adv, expected, 0, 0);
      assertThat(bad)
          .as("%s: pixel %d java %s torch %s", spec.label(), bad, at(adv, bad), at(expected, bad))
          .isEqualTo(-1);
    } else {
      // L2: the per-sample norms are reductions whose summation order differs between libtorch
      // 2.7.1 and torch 1.13 (and between NCHW and channels-last), so steps differ in the last
      // bits; a wrong direction, radius or projection would differ by orders of magnitude more.
      int bad = Fixtures.firstMismatch(adv, expected, 0, 2e-6);
      assertThat(bad)
          .as("%s: pixel %d java %s torch %s", spec.label(), bad, at(adv, bad), at(expected, bad))
          .isEqualTo(-1);
    }
    assertThat(Predictions.of(model, LABELS, adv).predictions())
        .as(spec.label())
        .containsExactly(Fixtures.ints(c.get("adv_pred")));
  }

  private static float at(float[] a, int i) {
    return i < 0 ? Float.NaN : a[i];
  }

  @Test
  void apgdCheckpointsAreThePapers() {
    JsonObject expected = EXPECTED.getAsJsonObject("checkpoints");
    for (String n : expected.keySet()) {
      assertThat(ApgdAttack.checkpoints(Integer.parseInt(n)))
          .as("N_iter = %s", n)
          .containsExactly(Fixtures.ints(expected.get(n)));
    }
    // p = 0, 0.22, 0.41, 0.57, 0.70, 0.80, 0.87, 0.93, 0.99 -> ceil(p * 100), all below 100.
    assertThat(ApgdAttack.checkpoints(100)).containsExactly(22, 41, 57, 70, 80, 87, 93, 99);
  }

  static Stream<AttackSpec> everyAttack() {
    return Stream.of(
        new Fgsm(0.05, true, false),
        new Pgd("linf", 0.03, 0.01, 4, true, 2, true, true),
        new Pgd("l2", 0.3, 0.1, 4, true, 2, false, true),
        new Apgd(Apgd.Loss.CE, 0.03, 6, 2, 0.75, true, true),
        new Apgd(Apgd.Loss.DLR, 0.03, 6, 1, 0.75, false, false),
        new ApgdT(0.03, 5, 1, 3, 0.75, true, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyAttack")
  void eachSamplesResultIsIndependentOfItsBatch(AttackSpec spec) {
    Attack attack = spec.attack();
    float[] whole = attack.perturb(model, 7L, IDS, LABELS, X);
    assertThat(attack.perturb(model, 7L, IDS, LABELS, X)).isEqualTo(whole);
    float[] split = new float[X.length];
    for (int[] part : new int[][] {{5, 1, 3}, {2}, {4, 0}}) {
      long[] ids = new long[part.length];
      int[] labels = new int[part.length];
      float[] pixels = new float[part.length * PER];
      for (int k = 0; k < part.length; k++) {
        ids[k] = IDS[part[k]];
        labels[k] = LABELS[part[k]];
        System.arraycopy(X, part[k] * PER, pixels, k * PER, PER);
      }
      float[] adv = attack.perturb(model, 7L, ids, labels, pixels);
      for (int k = 0; k < part.length; k++) {
        System.arraycopy(adv, k * PER, split, part[k] * PER, PER);
      }
    }
    // Conv kernels may sum in another order for another batch size: float noise, no step flips.
    assertThat(Fixtures.firstMismatch(split, whole, 0, 1e-6)).as(spec.label()).isEqualTo(-1);
    if (!(spec instanceof Fgsm)) { // the others start from noise of the seed
      assertThat(attack.perturb(model, 8L, IDS, LABELS, X)).isNotEqualTo(whole);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyAttack")
  void staysInTheThreatModelAndInTheImageRange(AttackSpec spec) {
    float[] adv = spec.attack().perturb(model, 3L, IDS, LABELS, X);
    double slack = 1e-6 + (spec.label().contains("round-8bit") ? 0.5 / 255 : 0);
    for (int i = 0; i < LABELS.length; i++) {
      double linf = 0;
      double sumSq = 0;
      for (int j = i * PER; j < (i + 1) * PER; j++) {
        assertThat(adv[j]).isBetween(0f, 1f);
        double d = (double) adv[j] - X[j];
        linf = Math.max(linf, Math.abs(d));
        sumSq += d * d;
      }
      double size = spec.norm().equals("linf") ? linf : Math.sqrt(sumSq);
      assertThat(size).as("%s sample %d", spec.label(), i).isLessThanOrEqualTo(spec.eps() + slack);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyAttack")
  void leavesWeightsBatchNormStateAndTheModelsManagerAsTheyWere(AttackSpec spec) {
    Map<String, float[]> before = new LinkedHashMap<>();
    model.parameters().forEach((k, v) -> before.put(k, v.toFloatArray()));
    float[] cleanBefore = Predictions.of(model, LABELS, X).logits();
    int resident = model.manager().getManagedArrays().size();
    spec.attack().perturb(model, 5L, IDS, LABELS, X);
    assertThat(model.manager().getManagedArrays()).hasSize(resident);
    assertThat(Predictions.of(model, LABELS, X).logits()).isEqualTo(cleanBefore);
    model.parameters().forEach((k, v) -> assertThat(v.toFloatArray()).isEqualTo(before.get(k)));
    for (NDArray p : model.parameters().values()) {
      assertThat(p.hasGradient()).as("no gradient reaches the weights").isFalse();
    }
  }

  @Test
  void earlyStopKeepsTheFirstMisclassifiedIterate() {
    // Sample 0's label is wrong on the clean image: with early stop FGSM leaves it clean.
    float[] adv = new Fgsm(0.1, false, true).attack().perturb(model, 1L, IDS, LABELS, X);
    float[] clean0 = java.util.Arrays.copyOfRange(X, 0, PER);
    assertThat(java.util.Arrays.copyOfRange(adv, 0, PER)).containsExactly(clean0);
    float[] moved = new Fgsm(0.1, false, false).attack().perturb(model, 1L, IDS, LABELS, X);
    assertThat(java.util.Arrays.copyOfRange(moved, 0, PER)).isNotEqualTo(clean0);
    // An early-stopped PGD never ends with fewer misclassified samples than it stopped on.
    for (AttackSpec spec :
        List.of(
            new Pgd("linf", 0.1, 0.02, 8, true, 1, false, true),
            new Apgd(Apgd.Loss.CE, 0.1, 8, 1, 0.75, false, true))) {
      int[] pred =
          Predictions.of(model, LABELS, spec.attack().perturb(model, 2L, IDS, LABELS, X))
              .predictions();
      assertThat(pred[0]).as(spec.label()).isNotEqualTo(LABELS[0]);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("restarting")
  void restartsHandTheEngineOnlyBucketsOfTheBatch(AttackSpec spec, AttackSpec firstRestart) {
    // Restart 1 attacks the samples restart 0 left correct (restart 0 is the one-restart attack),
    // padded to the bucket 6, 3, 2 or 1 that holds them: the sizes the engine check checked.
    int[] pred =
        Predictions.of(model, LABELS, firstRestart.attack().perturb(model, 4L, IDS, LABELS, X))
            .predictions();
    int left = 0;
    for (int i = 0; i < LABELS.length; i++) {
      left += pred[i] == LABELS[i] ? 1 : 0;
    }
    assertThat(left).as("a restart that needs filler rows").isIn(4, 5);
    long before = Gradients.imagePasses();
    spec.attack().perturb(model, 4L, IDS, LABELS, X);
    int steps = spec.passes() / 2;
    assertThat(Gradients.imagePasses() - before)
        .as(spec.label())
        .isEqualTo((long) steps * (LABELS.length + AttackSupport.bucket(LABELS.length, left)));
    assertThat(AttackSupport.bucket(LABELS.length, left)).isEqualTo(6);
  }

  static Stream<Arguments> restarting() {
    return Stream.of(
        Arguments.of(
            new Pgd("linf", 0.01, 0.004, 3, true, 2, true, false),
            new Pgd("linf", 0.01, 0.004, 3, true, 1, true, false)),
        Arguments.of(
            new Apgd(Apgd.Loss.CE, 0.01, 3, 2, 0.75, true, false),
            new Apgd(Apgd.Loss.CE, 0.01, 3, 1, 0.75, true, false)));
  }

  @Test
  void restartZeroIsThePgdStreamOfBefore() {
    // Before restarts, a sample's start came from the generator seeded with mix(seed, id).
    long before = new java.util.SplittableRandom(SampleNoise.mix(42L, 3L)).nextLong();
    assertThat(SampleNoise.generator(42L, 3L, 0).nextLong()).isEqualTo(before);
    assertThat(SampleNoise.generator(42L, 3L, 1).nextLong()).isNotEqualTo(before);
  }

  @Test
  void dlrNeedsThreeClassesAndTargetedDlrFour() {
    InputShape shape = new InputShape(3, 4, 4);
    Normalization norm =
        new Normalization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
    // layout-probe.pt has 2 outputs.
    try (Classifier two =
        Classifier.load(Fixtures.file("layout-probe.pt"), Device.cpu(), norm, shape)) {
      Attack dlr = new Apgd(Apgd.Loss.DLR, 0.03, 2, 1, 0.75, false, false).attack();
      assertThatThrownBy(() -> dlr.perturb(two, 1L, new long[] {0}, new int[] {1}, new float[48]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("apgd-dlr needs a model with at least 3 classes")
          .hasMessageContaining("the model has 2")
          .hasMessageContaining("layout-probe.pt");
      Attack targeted = new ApgdT(0.03, 2, 1, 1, 0.75, false, false).attack();
      assertThatThrownBy(
              () -> targeted.perturb(two, 1L, new long[] {0}, new int[] {1}, new float[48]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("apgd-t needs a model with at least 4 classes");
    }
  }

  @Test
  void inferenceOnlyModelsCannotBeAttacked() {
    try (Classifier target = Fixtures.loadInt8()) {
      assertThatThrownBy(
              () ->
                  new Apgd(Apgd.Loss.CE, 0.03, 2, 1, 0.75, false, false)
                      .attack()
                      .perturb(target, 1L, IDS, LABELS, X))
          .hasMessageContaining("APGD needs input gradients")
          .hasMessageContaining("was loaded for inference");
    }
  }
}

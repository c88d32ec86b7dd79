package io.adversarialprune.udfs.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.metrics.SampleOutcome;
import io.adversarialprune.udfs.model.Classifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PgdAttackTest {

  private static final JsonObject EXPECTED = Fixtures.expected();
  private static final float[] X = Fixtures.floats(EXPECTED.get("x"));
  private static final int[] LABELS = Fixtures.ints(EXPECTED.get("labels"));
  private static final long[] IDS = Fixtures.ids(LABELS.length);
  private static Classifier model;

  @BeforeAll
  static void load() {
    model = Fixtures.loadTiny();
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static Attack config(JsonObject c, boolean randomStart) {
    return new Pgd(
            "linf",
            c.get("eps").getAsDouble(),
            c.get("alpha").getAsDouble(),
            c.get("steps").getAsInt(),
            randomStart,
            1,
            c.get("round").getAsBoolean(),
            false)
        .attack();
  }

  @Test
  void pgdWithoutRandomStartMatchesPyTorch() {
    for (JsonElement e : EXPECTED.getAsJsonArray("pgd")) {
      JsonObject c = e.getAsJsonObject();
      float[] adv = config(c, false).perturb(model, 1L, IDS, LABELS, X);
      float[] expected = Fixtures.floats(c.get("adv"));
      int bad = Fixtures.firstMismatch(adv, expected, 0, 1e-5);
      assertThat(bad)
          .as(
              "case %s: pixel %d java %s torch %s",
              c.get("eps"), bad, bad < 0 ? 0 : adv[bad], bad < 0 ? 0 : expected[bad])
          .isEqualTo(-1);
      assertThat(Predictions.of(model, LABELS, adv).predictions())
          .containsExactly(Fixtures.ints(c.get("adv_pred")));
    }
  }

  @Test
  void randomStartIsPerSampleAndIndependentOfBatching() {
    Attack pgd = new Pgd("linf", 0.03, 0.001, 3, true, 1, false, false).attack();
    float[] whole = pgd.perturb(model, 42L, IDS, LABELS, X);
    float[] again = pgd.perturb(model, 42L, IDS, LABELS, X);
    assertThat(again).isEqualTo(whole);
    // The same samples, reversed and split in two batches: each sample gets the same result.
    int per = Fixtures.SHAPE.pixels();
    float[] split = new float[X.length];
    int[][] parts = {{5, 4, 3}, {2, 1, 0}};
    for (int[] part : parts) {
      long[] ids = new long[part.length];
      int[] labels = new int[part.length];
      float[] pixels = new float[part.length * per];
      for (int k = 0; k < part.length; k++) {
        ids[k] = IDS[part[k]];
        labels[k] = LABELS[part[k]];
        System.arraycopy(X, part[k] * per, pixels, k * per, per);
      }
      float[] adv = pgd.perturb(model, 42L, ids, labels, pixels);
      for (int k = 0; k < part.length; k++) {
        System.arraycopy(adv, k * per, split, part[k] * per, per);
      }
    }
    // Per-sample values are independent of the batch; conv kernels may still sum differently
    // for another batch size, so allow float noise but no sign-step differences.
    assertThat(Fixtures.firstMismatch(split, whole, 0, 1e-6)).isEqualTo(-1);
    float[] otherSeed = pgd.perturb(model, 43L, IDS, LABELS, X);
    assertThat(otherSeed).isNotEqualTo(whole);
    for (int i = 0; i < X.length; i++) {
      assertThat(Math.abs(whole[i] - X[i])).isLessThanOrEqualTo(0.03f + 1e-7f);
      assertThat(whole[i]).isBetween(0f, 1f);
    }
  }

  @Test
  void sampleNoiseDependsOnSeedAndIdOnly() {
    float[] clean = new float[64];
    Arrays.fill(clean, 0.5f);
    SampleNoise.Start uniform = SampleNoise.Start.UNIFORM;
    float[] a = uniform.draw(7L, new long[] {3L}, 0, 0.03, clean, 64);
    float[] b = uniform.draw(7L, new long[] {3L}, 0, 0.03, clean, 64);
    assertThat(a).isEqualTo(b);
    b = uniform.draw(7L, new long[] {4L}, 0, 0.03, clean, 64);
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void attackLeavesWeightsBatchNormStateAndCleanOutputsBitIdentical() {
    Map<String, float[]> before = new LinkedHashMap<>();
    model.parameters().forEach((k, v) -> before.put(k, v.toFloatArray()));
    float[] cleanBefore = Predictions.of(model, LABELS, X).logits();
    new Pgd("linf", 0.1, 0.02, 8, true, 1, true, false).attack().perturb(model, 5L, IDS, LABELS, X);
    // Eval-mode outputs depend on the batch-norm running statistics: any update shows here.
    assertThat(Predictions.of(model, LABELS, X).logits()).isEqualTo(cleanBefore);
    model.parameters().forEach((k, v) -> assertThat(v.toFloatArray()).isEqualTo(before.get(k)));
    for (NDArray p : model.parameters().values()) {
      assertThat(p.hasGradient()).as("no gradient reaches the weights").isFalse();
    }
  }

  @Test
  void transferAttackJudgesOnTheInt8Target() {
    JsonObject int8 = Fixtures.expectedInt8();
    double tol = 2e-2; // int8 kernels differ between engines: qnnpack (fixture) vs fbgemm
    try (Classifier target = Fixtures.loadInt8()) {
      for (int k = 0; k < 3; k++) {
        JsonObject c = EXPECTED.getAsJsonArray("pgd").get(k).getAsJsonObject();
        JsonObject q = int8.getAsJsonArray("pgd").get(k).getAsJsonObject();
        Attack pgd = config(c, false);
        List<SampleOutcome> outcomes =
            new JudgedAttack(pgd).run(model, target, 1L, IDS, LABELS, X, null, 0, null).samples();
        float[] adv = pgd.perturb(model, 1L, IDS, LABELS, X);
        float[] advLogits = Predictions.of(target, LABELS, adv).logits();
        float[] expectedLogits = Fixtures.floats(q.get("adv_logits"));
        assertThat(Fixtures.firstMismatch(advLogits, expectedLogits, 0, tol)).isEqualTo(-1);
        int[] expectedAdv = Fixtures.ints(q.get("adv_pred"));
        int[] cleanPred = Fixtures.ints(int8.get("pred"));
        for (int i = 0; i < outcomes.size(); i++) {
          SampleOutcome o = outcomes.get(i);
          assertThat(o.cleanPred()).isEqualTo(cleanPred[i]);
          if (topTwoMargin(expectedLogits, i, 10) > 2 * tol) {
            assertThat(o.advPred()).as("case %d sample %d", k, i).isEqualTo(expectedAdv[i]);
          }
          // Rounding to 8 bits after the projection may leave the eps ball by up to 0.5/255.
          double slack = c.get("round").getAsBoolean() ? 0.5 / 255 : 0;
          assertThat((double) o.linf())
              .isLessThanOrEqualTo(c.get("eps").getAsDouble() + slack + 1e-6);
        }
      }
    }
  }

  private static double topTwoMargin(float[] logits, int row, int classes) {
    float[] r = Arrays.copyOfRange(logits, row * classes, (row + 1) * classes);
    Arrays.sort(r);
    return r[classes - 1] - r[classes - 2];
  }

  @Test
  void whiteBoxOutcomesCarryLossesAndNorms() {
    JsonObject c = EXPECTED.getAsJsonArray("pgd").get(2).getAsJsonObject();
    List<SampleOutcome> outcomes =
        new JudgedAttack(config(c, false))
            .run(model, null, 1L, IDS, LABELS, X, null, 0, null)
            .samples();
    float[] loss = Fixtures.floats(EXPECTED.get("loss"));
    int[] adv = Fixtures.ints(c.get("adv_pred"));
    for (int i = 0; i < outcomes.size(); i++) {
      SampleOutcome o = outcomes.get(i);
      assertThat(o.id()).isEqualTo(i);
      assertThat(o.label()).isEqualTo(LABELS[i]);
      assertThat(o.advPred()).isEqualTo(adv[i]);
      assertThat((double) o.cleanLoss())
          .isCloseTo(loss[i], org.assertj.core.data.Offset.offset(1e-4));
      assertThat(o.advLoss()).isGreaterThan(o.cleanLoss());
      assertThat(o.l2()).isGreaterThanOrEqualTo(o.linf()).isPositive();
    }
  }

  @Test
  void inferenceOnlyModelCannotBeAttacked() {
    try (Classifier target = Fixtures.loadInt8()) {
      assertThatThrownBy(
              () ->
                  new Pgd("linf", 0.03, 0.001, 1, false, 1, false, false)
                      .attack()
                      .perturb(target, 1L, IDS, LABELS, X))
          .hasMessageContaining("was loaded for inference");
    }
  }
}

package io.adversarialprune.udfs.prune;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** WeightPruner's host-side kernels for the torch kinds, on hand-made arrays. */
class PruneKernelsTest {

  @Test
  void countsRoundHalfToEvenAsPythonsRound() {
    // torch's _compute_nparams_toprune: round(amount * n), and Python rounds 2.5 to 2.
    assertThat(WeightPruner.elementsToPrune(0.5, 5)).isEqualTo(2);
    assertThat(WeightPruner.elementsToPrune(0.5, 7)).isEqualTo(4);
    assertThat(WeightPruner.elementsToPrune(0.3, 10)).isEqualTo(3);
    assertThat(WeightPruner.elementsToPrune(1, 9)).isEqualTo(9);
    assertThat(WeightPruner.elementsToPrune(0, 9)).isZero();
  }

  @Test
  void smallestMagnitudesGoFirstAndEqualOnesByIndexAcrossTensors() {
    float[] a = {0.5f, 0.1f, -0.1f};
    float[] b = {0.1f, 0.05f};
    boolean[] ca = new boolean[3];
    boolean[] cb = new boolean[2];
    // 5 elements, amount 0.6: 3 go; 0.05 first, then two of the three 0.1s, the earlier ones.
    WeightPruner.pruneSmallest(new float[][] {a, b}, new boolean[][] {ca, cb}, 0.6);
    assertThat(ca).containsExactly(false, true, true);
    assertThat(cb).containsExactly(false, true);
    assertThat(b[0]).isEqualTo(0.1f);
    // Zeroing multiplies by 0 as torch's mask does: a negative weight becomes -0.0.
    assertThat(Float.floatToRawIntBits(a[2])).isEqualTo(Float.floatToRawIntBits(-0.0f));
    assertThat(Float.floatToRawIntBits(a[1])).isEqualTo(Float.floatToRawIntBits(0.0f));
  }

  @Test
  void aMaskedZeroCountsAsChanged() {
    float[] w = {0f, 0.3f, 0.2f, 0.4f};
    boolean[] c = new boolean[4];
    WeightPruner.pruneSmallest(new float[][] {w}, new boolean[][] {c}, 0.5);
    assertThat(c).containsExactly(true, false, true, false);
  }

  @Test
  void channelsOfSmallestNormGoWholeAndEqualNormsByIndex() {
    // 4 channels of 2: L1 norms 3, 1, 1, 2; L2 norms sqrt(5), 1, sqrt(0.5), 2.
    float[] w = {1f, -2f, 0f, 1f, 0.5f, -0.5f, 2f, 0f};
    float[] l1 = w.clone();
    boolean[] c1 = new boolean[8];
    WeightPruner.pruneChannels(l1, c1, 4, 1, 0.25);
    assertThat(c1).containsExactly(false, false, true, true, false, false, false, false);
    float[] l2 = w.clone();
    boolean[] c2 = new boolean[8];
    WeightPruner.pruneChannels(l2, c2, 4, 2, 0.5);
    assertThat(c2).containsExactly(false, false, true, true, true, true, false, false);
    assertThat(l2).containsExactly(1f, -2f, 0f, 0f, 0f, -0f, 2f, 0f);
  }

  @Test
  void randomPicksExactlyTheCountFromTheSeed() {
    float[] w = new float[1000];
    java.util.Arrays.fill(w, 1f);
    boolean[] c = new boolean[1000];
    WeightPruner.pruneRandom(w, c, 0.37, 99);
    int picked = 0;
    for (int i = 0; i < w.length; i++) {
      assertThat(c[i]).isEqualTo(w[i] == 0f);
      picked += c[i] ? 1 : 0;
    }
    assertThat(picked).isEqualTo(370);
    boolean[] again = new boolean[1000];
    WeightPruner.pruneRandom(new float[1000], again, 0.37, 99);
    assertThat(again).containsExactly(c);
  }

  @Test
  void quantizesHalfToEvenAndClampsToTheSymmetricRange() {
    // 8 bits, max|w| = 127 -> scale 1: w * 1 rounds half to even.
    float[] w = {127f, 0.5f, 1.5f, 2.5f, -2.5f, -127f, 3.2f};
    boolean[] c = new boolean[w.length];
    WeightPruner.quantize(w, c, 1, 8);
    assertThat(w).containsExactly(127f, 0f, 2f, 2f, -2f, -127f, 3f);
    assertThat(c).containsExactly(false, true, true, true, true, false, true);
  }

  @Test
  void quantizesPerChannelWithEachChannelsScale() {
    // Channel 0 max 1 (scale 1/7 at 4 bits), channel 1 max 7 (scale 1).
    float[] w = {1f, 0.5f, 7f, 3.4f};
    boolean[] c = new boolean[4];
    WeightPruner.quantize(w, c, 2, 4);
    float s0 = 1f / 7;
    float q = (float) Math.rint(0.5f * (1f / s0));
    assertThat(w).containsExactly(7 * s0, q * s0, 7f, 3f);
  }
}

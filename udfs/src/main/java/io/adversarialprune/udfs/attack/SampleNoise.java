package io.adversarialprune.udfs.attack;

import java.util.SplittableRandom;

/**
 * The PGD random start, drawn per sample from {@code (row seed, sample id)} with a Java generator,
 * so the noise of a sample does not depend on how samples are batched, sharded or scheduled, nor on
 * the device. Stateless and thread-safe.
 */
public final class SampleNoise {

  private SampleNoise() {}

  /**
   * Writes {@code clamp(clean + U(-eps, eps), 0, 1)} for one sample: {@code length} values from
   * {@code clean[offset]} to {@code out[offset]}. The noise is a function of {@code (seed, id)}
   * only.
   */
  public static void randomStart(
      long seed, long id, double eps, float[] clean, int offset, int length, float[] out) {
    SplittableRandom random = new SplittableRandom(mix(seed, id));
    for (int i = offset; i < offset + length; i++) {
      float noise = (float) ((2 * random.nextDouble() - 1) * eps);
      out[i] = Math.min(1f, Math.max(0f, clean[i] + noise));
    }
  }

  /** A well-mixed 64-bit generator seed for one sample of one row. */
  public static long mix(long seed, long id) {
    return mix64(mix64(seed ^ 0x2545F4914F6CDD1DL) + id * 0x9E3779B97F4A7C15L);
  }

  // Stafford's variant 13 of the MurmurHash3 finalizer (as in SplittableRandom).
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}

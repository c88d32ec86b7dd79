package io.adversarialprune.udfs.attack;

import java.util.SplittableRandom;

/**
 * The attacks' random starts, drawn per sample from {@code (unit seed, sample id, restart)} with a
 * Java generator, so the noise of a sample does not depend on how samples are batched, sharded or
 * scheduled, nor on the device. Restart 0 uses the generator seeded with {@link #mix(long, long)},
 * the stream every earlier PGD result was made with; restart {@code r >= 1} uses {@code
 * mix(mix(seed, id), r)}. Each start draws from a fresh {@link SplittableRandom}, whose algorithm
 * (SplitMix64, {@code nextDouble() = (nextLong() >>> 11) * 2^-53}) is fixed by its specification,
 * so the fixture script re-implements it exactly. Stateless and thread-safe.
 */
public final class SampleNoise {

  private SampleNoise() {}

  /**
   * The kinds of start. Each draws one sample's noise, {@code d} float values, from the sample's
   * generator, then writes {@code min(1, max(0, clean + noise))} in float.
   */
  public enum Start {
    /**
     * The PGD L-infinity start, {@code clamp(clean + U(-eps, eps), 0, 1)}: per value {@code u =
     * nextDouble()}, {@code noise = (float) ((2u - 1) eps)}.
     */
    UNIFORM {
      @Override
      void noise(SplittableRandom random, double eps, float[] noise) {
        for (int i = 0; i < noise.length; i++) {
          noise[i] = (float) ((2 * random.nextDouble() - 1) * eps);
        }
      }
    },

    /**
     * The APGD L-infinity start as AutoAttack draws it: {@code t = 2u - 1} per value, then {@code x
     * + eps t / max|t|} clipped to [0, 1], so the largest coordinate of the noise sits exactly on
     * the eps face; {@code noise = (float) (eps * (t / max|t|))} computed in double.
     */
    SCALED {
      @Override
      void noise(SplittableRandom random, double eps, float[] noise) {
        double[] t = new double[noise.length];
        double max = 0;
        for (int i = 0; i < t.length; i++) {
          t[i] = 2 * random.nextDouble() - 1;
          max = Math.max(max, Math.abs(t[i]));
        }
        for (int i = 0; i < t.length; i++) {
          noise[i] = max == 0 ? 0f : (float) (eps * (t[i] / max));
        }
      }
    },

    /**
     * A start drawn uniformly from the L2 ball of radius {@code eps} around the sample (then
     * clipped to [0, 1]):
     *
     * <ol>
     *   <li>{@code d} standard normals by Box-Muller, one per pair of uniforms {@code (u1, u2)}
     *       drawn in that order: {@code g = sqrt(-2 ln(1 - u1)) cos(2 pi u2)} (the sine half is not
     *       used, so the stream is simple to re-implement);
     *   <li>one more uniform {@code u}, radius {@code r = eps u^(1/d)} (the radius of a uniform
     *       point of a d-ball has CDF {@code (r/eps)^d});
     *   <li>{@code noise_i = (float) (g_i (r / |g|))}, {@code |g|} summed in index order in double.
     * </ol>
     *
     * All transcendental functions are {@link StrictMath}'s (fdlibm), so the start is the same on
     * every JVM.
     */
    BALL {
      @Override
      void noise(SplittableRandom random, double eps, float[] noise) {
        double[] g = new double[noise.length];
        double sumSq = normals(random, g);
        double radius = eps * StrictMath.pow(random.nextDouble(), 1.0 / g.length);
        scale(g, sumSq, radius, noise);
      }
    },

    /**
     * A start on the L2 sphere of radius {@code eps} around the sample (then clipped to [0, 1]),
     * FAB's L2 restart: {@code d} standard normals as {@link #BALL} draws them, then {@code noise_i
     * = (float) (g_i (eps / |g|))}, {@code |g|} summed in index order in double; no radius draw.
     */
    SPHERE {
      @Override
      void noise(SplittableRandom random, double eps, float[] noise) {
        double[] g = new double[noise.length];
        scale(g, normals(random, g), eps, noise);
      }
    };

    /** Fills {@code noise} (one sample's values) from the sample's generator. */
    abstract void noise(SplittableRandom random, double eps, float[] noise);

    /**
     * Fills {@code g} with standard normals by Box-Muller, one per pair of uniforms, and returns
     * their sum of squares, summed in index order in double ({@link #BALL}'s first step).
     */
    private static double normals(SplittableRandom random, double[] g) {
      double sumSq = 0;
      for (int i = 0; i < g.length; i++) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        g[i] =
            StrictMath.sqrt(-2 * StrictMath.log(1 - u1)) * StrictMath.cos(2 * StrictMath.PI * u2);
        sumSq += g[i] * g[i];
      }
      return sumSq;
    }

    /** {@code noise_i = (float) (g_i (radius / |g|))}; all zero when {@code g} is. */
    private static void scale(double[] g, double sumSq, double radius, float[] noise) {
      double norm = StrictMath.sqrt(sumSq);
      for (int i = 0; i < g.length; i++) {
        noise[i] = norm == 0 ? 0f : (float) (g[i] * (radius / norm));
      }
    }

    /**
     * The starts of restart {@code restart} for a batch: sample {@code ids[k]}'s start from its
     * clean image, row {@code k} of {@code clean} (rows of {@code per} values), in a new array.
     */
    public float[] draw(long seed, long[] ids, int restart, double eps, float[] clean, int per) {
      float[] out = new float[clean.length];
      float[] noise = new float[per];
      for (int k = 0; k < ids.length; k++) {
        noise(generator(seed, ids[k], restart), eps, noise);
        for (int i = 0, j = k * per; i < per; i++, j++) {
          out[j] = Math.min(1f, Math.max(0f, clean[j] + noise[i]));
        }
      }
      return out;
    }
  }

  /** The generator of one start; restart 0 is seeded exactly as before restarts existed. */
  static SplittableRandom generator(long seed, long id, int restart) {
    long sample = mix(seed, id);
    return new SplittableRandom(restart == 0 ? sample : mix(sample, restart));
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

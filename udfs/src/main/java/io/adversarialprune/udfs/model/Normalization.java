package io.adversarialprune.udfs.model;

import java.util.Arrays;

/**
 * Per-channel input normalization applied inside {@link Classifier}'s forward: {@code (x - mean) /
 * std} with {@code x} in [0, 1] pixel space, so an attack perturbs pixels, not normalized values.
 *
 * <p>Immutable and thread-safe: the arrays are copied in and out. Equality compares the values, so
 * a normalization can be part of a {@link io.adversarialprune.udfs.exec.ModelPool} key.
 *
 * @param mean per-channel mean, one entry per input channel
 * @param std per-channel standard deviation, same length as {@code mean}, every entry finite and
 *     {@code > 0}
 */
public record Normalization(float[] mean, float[] std) implements java.io.Serializable {

  /** Validates and copies the arrays. */
  public Normalization {
    if (mean == null || std == null) {
      throw new IllegalArgumentException("normalization mean and std must be given");
    }
    if (mean.length == 0 || mean.length != std.length) {
      throw new IllegalArgumentException(
          "normalization mean and std must have the same, non-zero length, got "
              + mean.length
              + " and "
              + std.length);
    }
    for (int c = 0; c < std.length; c++) {
      if (!(std[c] > 0) || Float.isInfinite(std[c])) {
        throw new IllegalArgumentException(
            "normalization std[" + c + "] must be finite and > 0, got " + std[c]);
      }
      if (!Float.isFinite(mean[c])) {
        throw new IllegalArgumentException(
            "normalization mean[" + c + "] must be finite, got " + mean[c]);
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** The same mean and std for every one of {@code channels} channels. */
  public static Normalization uniform(int channels, float mean, float std) {
    float[] m = new float[channels];
    float[] s = new float[channels];
    Arrays.fill(m, mean);
    Arrays.fill(s, std);
    return new Normalization(m, s);
  }

  /** Number of channels this normalization is for. */
  public int channels() {
    return mean.length;
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Normalization other
        && Arrays.equals(mean, other.mean)
        && Arrays.equals(std, other.std);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
  }
}

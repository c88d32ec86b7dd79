package io.adversarialprune.udfs.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Lower and upper clamp bounds for every probed layer of a model ({@link Probes#logitsClamped}), in
 * probe order. Each bound is one value (the whole layer) or one value per channel (dim 1 of the
 * activation); {@link Float#NEGATIVE_INFINITY} / {@link Float#POSITIVE_INFINITY} leave that side
 * unclamped, so {@link #none} is the plain forward pass.
 *
 * <p>Immutable and thread-safe: the arrays are copied in and out. Serializable, so bounds made on
 * the driver can travel to executors.
 */
public final class ClampBounds implements java.io.Serializable {

  private static final long serialVersionUID = 1L;

  private final List<float[]> lower;
  private final List<float[]> upper;

  /**
   * Bounds per layer, {@code lower.get(i)} and {@code upper.get(i)} for probe {@code i}.
   *
   * @throws IllegalArgumentException when the lists differ in size, a pair differs in length, a
   *     bound is empty or NaN, or a lower bound exceeds its upper bound; the message names the
   *     layer index and channel
   */
  public ClampBounds(List<float[]> lower, List<float[]> upper) {
    if (lower.size() != upper.size()) {
      throw new IllegalArgumentException(
          "clamp bounds need as many lower as upper bounds, got "
              + lower.size()
              + " and "
              + upper.size());
    }
    List<float[]> lo = new ArrayList<>(lower.size());
    List<float[]> hi = new ArrayList<>(upper.size());
    for (int i = 0; i < lower.size(); i++) {
      float[] l = lower.get(i);
      float[] u = upper.get(i);
      if (l.length == 0 || l.length != u.length) {
        throw new IllegalArgumentException(
            "clamp bounds of layer "
                + i
                + " need the same, non-zero number of lower and upper values, got "
                + l.length
                + " and "
                + u.length);
      }
      for (int c = 0; c < l.length; c++) {
        if (Float.isNaN(l[c]) || Float.isNaN(u[c]) || l[c] > u[c]) {
          throw new IllegalArgumentException(
              "clamp bounds of layer " + i + " channel " + c + " are [" + l[c] + ", " + u[c] + "]");
        }
      }
      lo.add(l.clone());
      hi.add(u.clone());
    }
    this.lower = List.copyOf(lo);
    this.upper = List.copyOf(hi);
  }

  /** No clamp on any of {@code layers} layers: every bound infinite. */
  public static ClampBounds none(int layers) {
    List<float[]> lo = new ArrayList<>(layers);
    List<float[]> hi = new ArrayList<>(layers);
    for (int i = 0; i < layers; i++) {
      lo.add(new float[] {Float.NEGATIVE_INFINITY});
      hi.add(new float[] {Float.POSITIVE_INFINITY});
    }
    return new ClampBounds(lo, hi);
  }

  /** The number of layers. */
  public int size() {
    return lower.size();
  }

  /** Layer {@code i}'s lower bound: one value or one per channel. */
  public float[] lower(int i) {
    return lower.get(i).clone();
  }

  /** Layer {@code i}'s upper bound, the same length as {@link #lower(int)}. */
  public float[] upper(int i) {
    return upper.get(i).clone();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ClampBounds other) || other.size() != size()) {
      return false;
    }
    for (int i = 0; i < size(); i++) {
      if (!Arrays.equals(lower.get(i), other.lower.get(i))
          || !Arrays.equals(upper.get(i), other.upper.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (int i = 0; i < size(); i++) {
      h = 31 * h + Arrays.hashCode(lower.get(i));
      h = 31 * h + Arrays.hashCode(upper.get(i));
    }
    return h;
  }

  @Override
  public String toString() {
    return "ClampBounds[" + size() + " layers]";
  }
}

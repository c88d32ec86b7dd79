package io.adversarialprune.udfs.exec;

import io.adversarialprune.udfs.model.InputShape;

/**
 * A batch of labelled images of one shard: ids, labels and NCHW pixels in [0, 1]. Immutable by
 * convention (arrays are not copied; do not modify them after construction).
 *
 * @param ids sample ids, unique within the data set (they key the per-sample random start)
 * @param labels true labels, one per id
 * @param pixels {@code N * C * H * W} values, NCHW
 * @param shape the shape of one image
 */
public record Batch(long[] ids, int[] labels, float[] pixels, InputShape shape) {

  /** Checks that the arrays agree with each other and with {@code shape}. */
  public Batch {
    if (ids == null || labels == null || pixels == null || shape == null) {
      throw new IllegalArgumentException("batch ids, labels, pixels and shape must be given");
    }
    if (ids.length != labels.length) {
      throw new IllegalArgumentException(
          "batch has " + ids.length + " ids but " + labels.length + " labels");
    }
    if (pixels.length != (long) ids.length * shape.pixels()) {
      throw new IllegalArgumentException(
          "batch of "
              + ids.length
              + " images of shape "
              + shape.describe(ids.length)
              + " needs "
              + (long) ids.length * shape.pixels()
              + " pixel values, got "
              + pixels.length);
    }
  }

  /** Number of samples. */
  public int size() {
    return ids.length;
  }

  /**
   * Checks that this batch fits a model with {@code classes} classes and input {@code expected}.
   *
   * @throws IllegalArgumentException naming the first sample whose label is outside {@code [0,
   *     classes)}, or the shapes when they differ
   */
  public void validate(int classes, InputShape expected) {
    if (!shape.equals(expected)) {
      throw new IllegalArgumentException(
          "batch images have shape "
              + shape.describe(size())
              + " but the model input is "
              + expected.describe(size()));
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(
            "label " + labels[i] + " of sample id " + ids[i] + " is outside [0, " + classes + ")");
      }
    }
  }

  /** Samples {@code [from, to)} as a new batch (copies). */
  public Batch slice(int from, int to) {
    int per = shape.pixels();
    long[] i = java.util.Arrays.copyOfRange(ids, from, to);
    int[] l = java.util.Arrays.copyOfRange(labels, from, to);
    float[] p = java.util.Arrays.copyOfRange(pixels, from * per, to * per);
    return new Batch(i, l, p, shape);
  }
}

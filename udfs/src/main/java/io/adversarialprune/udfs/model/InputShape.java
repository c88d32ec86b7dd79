package io.adversarialprune.udfs.model;

/**
 * The shape of one model input image, channels first: {@code [channels, height, width]}. Immutable
 * value.
 *
 * @param channels number of channels, {@code >= 1}
 * @param height image height in pixels, {@code >= 1}
 * @param width image width in pixels, {@code >= 1}
 */
public record InputShape(int channels, int height, int width) implements java.io.Serializable {

  /** Validates that every dimension is positive. */
  public InputShape {
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "input shape dimensions must be >= 1, got " + describe(channels, height, width));
    }
  }

  /** Number of values in one image: {@code channels * height * width}. */
  public int pixels() {
    return Math.multiplyExact(channels, Math.multiplyExact(height, width));
  }

  /** The NCHW shape of a batch of {@code batch} images. */
  public long[] batchShape(int batch) {
    return new long[] {batch, channels, height, width};
  }

  /** {@code [batch,channels,height,width]}, the form used in error messages. */
  public String describe(int batch) {
    return "[" + batch + "," + channels + "," + height + "," + width + "]";
  }

  private static String describe(int c, int h, int w) {
    return "[" + c + "," + h + "," + w + "]";
  }
}

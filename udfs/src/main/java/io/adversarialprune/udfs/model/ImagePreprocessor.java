package io.adversarialprune.udfs.model;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Decodes encoded image bytes (PNG, JPEG, anything {@link ImageFactory} reads) into a CHW float
 * array in [0, 1] for a {@link Classifier}: optional resize of the shorter side to {@code resize},
 * optional center crop to {@code crop x crop}, then grayscale ({@code channels == 1}) or RGB
 * ({@code channels == 3}) values divided by 255.
 *
 * <p>Decoding, resizing and cropping use DJL's image API; pixel values are read from the decoded
 * image the way DJL's {@code Image.toNDArray} reads them (raw gray values for gray images, {@code
 * round(0.299 R + 0.587 G + 0.114 B)} for color images made gray), but straight into a Java array,
 * so no native memory is used per image. Immutable and thread-safe.
 *
 * @param channels 1 (grayscale) or 3 (RGB)
 * @param resize the shorter side is resized to this many pixels, keeping the aspect ratio; 0 means
 *     no resize
 * @param crop center crop to {@code crop x crop}; 0 means no crop
 */
public record ImagePreprocessor(int channels, int resize, int crop)
    implements java.io.Serializable {

  /** Validates the settings. */
  public ImagePreprocessor {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("image channels must be 1 or 3, got " + channels);
    }
    if (resize < 0) {
      throw new IllegalArgumentException("image resize must be >= 0, got " + resize);
    }
    if (crop < 0) {
      throw new IllegalArgumentException("image crop must be >= 0, got " + crop);
    }
  }

  /**
   * Decodes one image into {@code expected.pixels()} floats, CHW order.
   *
   * @param encoded the encoded image bytes
   * @param imageId the image's path or id, used in error messages
   * @param expected the model's input shape; the decoded image must match it
   * @throws IllegalArgumentException when the bytes cannot be decoded, or the decoded, resized and
   *     cropped image does not have {@code expected}'s channels, height and width
   */
  public float[] pixels(byte[] encoded, String imageId, InputShape expected) {
    if (expected.channels() != channels) {
      throw new IllegalArgumentException(
          "image "
              + imageId
              + ": preprocessor makes "
              + channels
              + " channels but the model input is "
              + expected.describe(1));
    }
    Image image = decode(encoded, imageId);
    checkSize(image.getWidth(), image.getHeight(), imageId, expected);
    int[] resized = resized(image.getWidth(), image.getHeight());
    if (resized[0] != image.getWidth() || resized[1] != image.getHeight()) {
      image = image.resize(resized[0], resized[1], true);
    }
    if (crop > 0) {
      int w = image.getWidth();
      int h = image.getHeight();
      image = image.getSubImage((w - crop) / 2, (h - crop) / 2, crop, crop);
    }
    return toChw((BufferedImage) image.getWrappedImage());
  }

  /**
   * Checks that an image of {@code width x height} pixels becomes the model's input size after this
   * preprocessing, as {@link #pixels} does, without decoding it: a caller that reads only an
   * image's header learns whether {@link #pixels} will accept its size.
   *
   * @throws IllegalArgumentException naming the image and both sizes when it will not
   */
  public void checkSize(int width, int height, String imageId, InputShape expected) {
    int[] resized = resized(width, height);
    int w = resized[0];
    int h = resized[1];
    if (crop > 0) {
      if (w < crop || h < crop) {
        throw new IllegalArgumentException(
            "image " + imageId + " is " + w + "x" + h + ", smaller than the crop " + crop);
      }
      w = crop;
      h = crop;
    }
    if (w != expected.width() || h != expected.height()) {
      throw new IllegalArgumentException(
          "image "
              + imageId
              + " is "
              + w
              + "x"
              + h
              + " (width x height) after resize "
              + resize
              + " and crop "
              + crop
              + ", but the model input is "
              + expected.describe(1));
    }
  }

  /** The size after the shorter side is resized to {@code resize} (unchanged when 0). */
  private int[] resized(int w, int h) {
    if (resize == 0) {
      return new int[] {w, h};
    }
    int newW = w <= h ? resize : (int) Math.round((double) w * resize / h);
    int newH = w <= h ? (int) Math.round((double) h * resize / w) : resize;
    return new int[] {newW, newH};
  }

  private static Image decode(byte[] encoded, String imageId) {
    if (encoded == null || encoded.length == 0) {
      throw new IllegalArgumentException("image " + imageId + " has no bytes");
    }
    try {
      return ImageFactory.getInstance().fromInputStream(new ByteArrayInputStream(encoded));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "image " + imageId + " could not be decoded: " + e.getMessage(), e);
    }
  }

  private float[] toChw(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int plane = w * h;
    float[] out = new float[channels * plane];
    if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
      // Raw gray values: getRGB would apply a color-space conversion to them.
      int[] gray = image.getRaster().getPixels(0, 0, w, h, (int[]) null);
      for (int i = 0; i < plane; i++) {
        float v = gray[i] / 255f;
        for (int c = 0; c < channels; c++) {
          out[c * plane + i] = v;
        }
      }
      return out;
    }
    int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
    for (int i = 0; i < plane; i++) {
      int red = (rgb[i] >> 16) & 0xFF;
      int green = (rgb[i] >> 8) & 0xFF;
      int blue = rgb[i] & 0xFF;
      if (channels == 1) {
        out[i] = Math.round(0.299f * red + 0.587f * green + 0.114f * blue) / 255f;
      } else {
        out[i] = red / 255f;
        out[plane + i] = green / 255f;
        out[2 * plane + i] = blue / 255f;
      }
    }
    return out;
  }
}

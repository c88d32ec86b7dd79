package io.adversarialprune.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImagePreprocessorTest {

  private static byte[] png(BufferedImage image) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  private static BufferedImage gray(int w, int h) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.getRaster().setSample(x, y, 0, (x * 7 + y * 13) % 256);
      }
    }
    return image;
  }

  @Test
  void grayscalePngGivesRawValuesOver255() throws IOException {
    float[] px =
        new ImagePreprocessor(1, 0, 0)
            .pixels(png(gray(28, 28)), "a.png", new InputShape(1, 28, 28));
    assertThat(px).hasSize(784);
    assertThat(px[0]).isEqualTo(0f);
    assertThat(px[28 * 2 + 3]).isCloseTo((3 * 7 + 2 * 13) / 255f, offset(0f));
  }

  @Test
  void rgbIsChannelsFirstAfterResizeAndCenterCrop() throws IOException {
    BufferedImage rgb = new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 10; y++) {
      for (int x = 0; x < 20; x++) {
        rgb.setRGB(x, y, (200 << 16) | (100 << 8) | 50);
      }
    }
    // Shorter side 10 -> 6: 12x6, center crop 6x6.
    float[] px = new ImagePreprocessor(3, 6, 6).pixels(png(rgb), "b.png", new InputShape(3, 6, 6));
    assertThat(px).hasSize(3 * 36);
    assertThat(px[0]).isCloseTo(200 / 255f, offset(1e-6f));
    assertThat(px[36]).isCloseTo(100 / 255f, offset(1e-6f));
    assertThat(px[72]).isCloseTo(50 / 255f, offset(1e-6f));
    float[] gray =
        new ImagePreprocessor(1, 6, 6).pixels(png(rgb), "b.png", new InputShape(1, 6, 6));
    assertThat(gray[0])
        .isCloseTo(Math.round(0.299f * 200 + 0.587f * 100 + 0.114f * 50) / 255f, offset(1e-6f));
  }

  @Test
  void errorsNameTheImage() throws IOException {
    ImagePreprocessor p = new ImagePreprocessor(1, 0, 0);
    assertThatThrownBy(
            () -> p.pixels(new byte[] {1, 2, 3}, "img/broken.png", new InputShape(1, 28, 28)))
        .hasMessageContaining("image img/broken.png could not be decoded");
    assertThatThrownBy(() -> p.pixels(png(gray(32, 28)), "img/wide.png", new InputShape(1, 28, 28)))
        .hasMessageContaining("image img/wide.png is 32x28")
        .hasMessageContaining("model input is [1,1,28,28]");
    assertThatThrownBy(() -> p.pixels(png(gray(28, 28)), "img/gray.png", new InputShape(3, 28, 28)))
        .hasMessageContaining("image img/gray.png: preprocessor makes 1 channels")
        .hasMessageContaining("[1,3,28,28]");
  }
}

package io.adversarialprune.job.ingest;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/** Tiny ingest sources written by hand into a test's temporary folder; no committed files. */
public final class IngestFixtures {
  /** Three 2x3 gray images (rows x cols), every pixel distinct, including 0 and 255. */
  public static final int ROWS = 2;

  public static final int COLS = 3;
  public static final byte[][] IDX_PIXELS = {
    {0, 1, 2, 3, 4, 5}, {(byte) 255, (byte) 128, 127, 64, 32, 16}, {9, 8, 7, 6, 5, (byte) 200}
  };
  public static final byte[] IDX_LABELS = {7, 0, 9};

  private IngestFixtures() {}

  /** IDX image file [n, ROWS, COLS] from {@link #IDX_PIXELS}. */
  public static Path idxImages(Path file, boolean gzip) throws IOException {
    byte[] data = new byte[IDX_PIXELS.length * ROWS * COLS];
    for (int i = 0; i < IDX_PIXELS.length; i++) {
      System.arraycopy(IDX_PIXELS[i], 0, data, i * ROWS * COLS, ROWS * COLS);
    }
    return idx(file, gzip, 0x00000803, new int[] {IDX_PIXELS.length, ROWS, COLS}, data);
  }

  /** IDX label file [n] holding {@code labels}. */
  public static Path idxLabels(Path file, boolean gzip, byte... labels) throws IOException {
    return idx(file, gzip, 0x00000801, new int[] {labels.length}, labels);
  }

  /** Raw IDX bytes: big-endian magic, dimension sizes, then the payload as given. */
  public static Path idx(Path file, boolean gzip, int magic, int[] dims, byte[] data)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(magic);
      for (int d : dims) {
        out.writeInt(d);
      }
      out.write(data);
    }
    return write(file, bytes.toByteArray(), gzip);
  }

  public static Path write(Path file, byte[] content, boolean gzip) throws IOException {
    Files.createDirectories(file.getParent());
    try (OutputStream raw = Files.newOutputStream(file);
        OutputStream out = gzip ? new GZIPOutputStream(raw) : raw) {
      out.write(content);
    }
    return file;
  }

  /** A small RGB image whose pixels depend on {@code seed}. */
  public static BufferedImage rgb(int seed) {
    BufferedImage image = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        image.setRGB(x, y, (seed * 40 + x * 50) << 16 | (y * 80) << 8 | (seed * 31 + x + y) & 0xFF);
      }
    }
    return image;
  }

  /** Writes {@code image} in {@code format} ("png" or "jpg") and returns the file. */
  public static Path image(Path file, BufferedImage image, String format) throws IOException {
    Files.createDirectories(file.getParent());
    if (!ImageIO.write(image, format, file.toFile())) {
      throw new IllegalStateException("no ImageIO writer for " + format);
    }
    return file;
  }

  public static int[] argb(BufferedImage image) {
    return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
  }
}

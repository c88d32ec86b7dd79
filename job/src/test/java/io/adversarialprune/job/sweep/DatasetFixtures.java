package io.adversarialprune.job.sweep;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Tiny datasets in the canonical layout (see {@code ImageDataset}), made in a test's folder with
 * Spark's own Parquet writer, so that they can hold what {@code ingest} never writes: null images,
 * duplicate ids, images of the wrong size or broken bytes. Images are gray PNGs that the embedded
 * default model takes (28x28) unless a test asks otherwise.
 */
final class DatasetFixtures {
  /** One row: {@code image == null} writes a null image struct. */
  record Sample(long id, int label, Image image) {}

  /** The image struct: {@code bytes} may be null. */
  record Image(byte[] bytes, String path) {}

  private static final StructType SCHEMA =
      new StructType()
          .add(
              "image",
              new StructType().add("bytes", DataTypes.BinaryType).add("path", DataTypes.StringType))
          .add("label", DataTypes.IntegerType)
          .add("id", DataTypes.LongType);

  private DatasetFixtures() {}

  /** {@code n} good 28x28 samples, ids 0..n-1, labels id % 10. */
  static List<Sample> good(int n) {
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(sample(i, png(i, 28, 28)));
    }
    return out;
  }

  static Sample sample(long id, byte[] bytes) {
    return new Sample(id, (int) (id % 10), new Image(bytes, "img-" + id + ".png"));
  }

  /** {@code samples} with the one of id {@code id} replaced. */
  static List<Sample> with(List<Sample> samples, Sample replacement) {
    List<Sample> out = new ArrayList<>(samples);
    out.replaceAll(s -> s.id() == replacement.id() ? replacement : s);
    return out;
  }

  /** Writes the samples as one Parquet file in {@code dir} and returns the dataset's path. */
  static String write(SparkSession spark, Path dir, List<Sample> samples) {
    List<Row> rows = new ArrayList<>();
    for (Sample s : samples) {
      Row image = s.image() == null ? null : RowFactory.create(s.image().bytes(), s.image().path());
      rows.add(RowFactory.create(image, s.label(), s.id()));
    }
    spark.createDataFrame(rows, SCHEMA).coalesce(1).write().parquet(dir.toString());
    return dir.toString();
  }

  /** A gray PNG whose pixels depend on {@code seed}. */
  static byte[] png(int seed, int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.getRaster().setSample(x, y, 0, (seed * 37 + x * 11 + y * 5) & 0xFF);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * A PNG cut short inside its image data: the header (and so the size) reads fine, decoding the
   * pixels fails. What a disk or a download can do to a file.
   */
  static byte[] truncated(byte[] png) {
    return Arrays.copyOf(png, 33 + 20); // signature (8) + IHDR chunk (25), then 20 bytes of IDAT
  }
}

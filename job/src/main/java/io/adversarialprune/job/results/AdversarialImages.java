package io.adversarialprune.job.results;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The adversarial images of a baseline unit, kept beside its samples file ({@link #FILE}, in the
 * same unit directory, so it commits with the unit by the same rename) for the pruned configs'
 * transfer-from-baseline evaluation: the unpruned model's adversarial images judged by the pruned
 * model. Spark's readers skip it (its name starts with {@code _}).
 *
 * <p>Format: the magic {@code APADV1}, the image count {@code n} and values per image {@code p}
 * (ints), {@code n} ids (longs), then {@code n * p} float32 values (NCHW, [0, 1]); big-endian.
 *
 * @param ids the samples' ids, in shard order
 * @param pixels their adversarial images, {@code ids.length * perImage} values
 * @param perImage values per image
 */
public record AdversarialImages(long[] ids, float[] pixels, int perImage) {
  /** The file's name inside a unit directory. */
  public static final String FILE = "_adversarial-images.bin";

  private static final byte[] MAGIC = {'A', 'P', 'A', 'D', 'V', '1'};

  public AdversarialImages {
    if ((long) ids.length * perImage != pixels.length) {
      throw new IllegalArgumentException(
          ids.length
              + " images of "
              + perImage
              + " values need "
              + (long) ids.length * perImage
              + " values, got "
              + pixels.length);
    }
  }

  /** Writes (overwrites) {@code file}. */
  public void write(Path file, Configuration conf) throws IOException {
    FileSystem fs = file.getFileSystem(conf);
    try (FSDataOutputStream out = fs.create(file, true);
        DataOutputStream data =
            new DataOutputStream(new java.io.BufferedOutputStream(out, 1 << 16))) {
      data.write(MAGIC);
      data.writeInt(ids.length);
      data.writeInt(perImage);
      for (long id : ids) {
        data.writeLong(id);
      }
      ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.BIG_ENDIAN);
      for (float v : pixels) {
        if (!buffer.hasRemaining()) {
          data.write(buffer.array(), 0, buffer.position());
          buffer.clear();
        }
        buffer.putFloat(v);
      }
      data.write(buffer.array(), 0, buffer.position());
    }
  }

  /**
   * Reads {@code file}.
   *
   * @throws IOException naming the file when it is missing, truncated or not such a file
   */
  public static AdversarialImages read(Path file, Configuration conf) throws IOException {
    FileSystem fs = file.getFileSystem(conf);
    if (!fs.exists(file)) {
      throw new IOException(
          "the baseline's adversarial images "
              + file
              + " are missing (the baseline unit was committed without them): run the sweep again"
              + " with a new --run-id");
    }
    try (FSDataInputStream in = fs.open(file);
        DataInputStream data = new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16))) {
      byte[] magic = new byte[MAGIC.length];
      data.readFully(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new IOException(file + " is not an adversarial images file");
      }
      int n = data.readInt();
      int perImage = data.readInt();
      if (n < 0 || perImage < 0) {
        throw new IOException(file + " is corrupt: " + n + " images of " + perImage + " values");
      }
      long[] ids = new long[n];
      for (int i = 0; i < n; i++) {
        ids[i] = data.readLong();
      }
      float[] pixels = new float[Math.multiplyExact(n, perImage)];
      byte[] chunk = new byte[1 << 16];
      ByteBuffer view = ByteBuffer.wrap(chunk).order(ByteOrder.BIG_ENDIAN);
      int at = 0;
      while (at < pixels.length) {
        int floats = Math.min(chunk.length / 4, pixels.length - at);
        data.readFully(chunk, 0, floats * 4);
        view.clear();
        for (int i = 0; i < floats; i++) {
          pixels[at++] = view.getFloat();
        }
      }
      return new AdversarialImages(ids, pixels, perImage);
    } catch (EOFException e) {
      throw new IOException(file + " is truncated", e);
    }
  }
}

package io.adversarialprune.job.ingest;

import io.adversarialprune.job.UserInputException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file of the MNIST family (unsigned-byte data only), gzipped or not: the format is told by
 * the gzip magic bytes, not by the file name. The whole payload is read into memory (the MNIST
 * family is at most tens of megabytes).
 *
 * @param dims dimension sizes, e.g. [10000, 28, 28] for images or [10000] for labels
 * @param data the unsigned bytes, row-major
 */
public record IdxFile(Path file, int[] dims, byte[] data) {
  private static final int UNSIGNED_BYTE = 0x08;

  /** Reads {@code file} and checks its magic number, type code, rank and length. */
  public static IdxFile read(Path file, int expectedRank) {
    try (InputStream in = open(file);
        DataInputStream din = new DataInputStream(in)) {
      int magic;
      try {
        magic = din.readInt();
      } catch (EOFException e) {
        throw new UserInputException("IDX file " + file + " is truncated: no 4-byte magic number");
      }
      if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != UNSIGNED_BYTE) {
        throw new UserInputException(
            String.format(
                "IDX file %s has wrong magic number 0x%08X: expected 0x0000080%d (unsigned bytes,"
                    + " %d dimensions)",
                file, magic, expectedRank, expectedRank));
      }
      int rank = magic & 0xFF;
      if (rank != expectedRank) {
        throw new UserInputException(
            "IDX file " + file + " has " + rank + " dimensions, expected " + expectedRank);
      }
      int[] dims = new int[rank];
      long size = 1;
      for (int i = 0; i < rank; i++) {
        try {
          dims[i] = din.readInt();
        } catch (EOFException e) {
          throw new UserInputException("IDX file " + file + " is truncated inside its header");
        }
        if (dims[i] <= 0) {
          throw new UserInputException(
              "IDX file " + file + " has a non-positive dimension " + i + ": " + dims[i]);
        }
        size *= dims[i];
      }
      if (size > Integer.MAX_VALUE - 8) {
        throw new UserInputException("IDX file " + file + " is too large: " + size + " bytes");
      }
      byte[] data = din.readNBytes((int) size);
      if (data.length != size) {
        throw new UserInputException(
            "IDX file "
                + file
                + " is truncated: header promises "
                + size
                + " data bytes, found "
                + data.length);
      }
      if (din.read() != -1) {
        throw new UserInputException(
            "IDX file " + file + " has trailing bytes after the " + size + " its header declares");
      }
      return new IdxFile(file, dims, data);
    } catch (NoSuchFileException e) {
      throw new UserInputException("IDX file not found: " + file);
    } catch (EOFException e) {
      // A gzip stream cut short ends here, not in the length checks above.
      throw new UserInputException("IDX file " + file + " is truncated: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UserInputException("IDX file " + file + " is unreadable: " + e.getMessage(), e);
    }
  }

  /** Number of items (the first dimension). */
  public int count() {
    return dims[0];
  }

  /** Bytes per item (product of the remaining dimensions). */
  public int itemSize() {
    int s = 1;
    for (int i = 1; i < dims.length; i++) {
      s *= dims[i];
    }
    return s;
  }

  private static InputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file));
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      return new BufferedInputStream(new GZIPInputStream(raw));
    }
    return raw;
  }
}

package io.adversarialprune.job.data;

import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;

/**
 * Streams samples into a dataset directory in the canonical layout ({@link ImageDataset}),
 * atomically: everything goes to a hidden temporary sibling of the destination, which is renamed
 * into place only by {@link #commit()}. {@link #close()} without a commit deletes the temporary
 * directory, so a failed ingest leaves nothing at the destination.
 *
 * <p>Not thread-safe; one writer per ingest. Ids must be given in increasing order.
 */
public final class DatasetWriter implements AutoCloseable {
  /** Rows per part file: a shard reads whole row groups, so keep them modest. */
  private static final int ROWS_PER_FILE = 10_000;

  private static final long ROW_GROUP_BYTES = 8L << 20;

  private final Configuration conf;
  private final FileSystem fs;
  private final Path destination;
  private final Path staging;
  private final SimpleGroupFactory groups = new SimpleGroupFactory(ImageDataset.SCHEMA);
  private ParquetWriter<Group> current;
  private int partIndex;
  private int rowsInPart;
  private long rows;
  private long lastId = Long.MIN_VALUE;
  private boolean committed;

  /**
   * Opens a writer for {@code destination}, which must not exist yet.
   *
   * @throws IllegalArgumentException if the destination exists (naming it)
   */
  public DatasetWriter(String destination, Configuration conf) throws IOException {
    this.conf = conf;
    this.destination = new Path(destination);
    this.fs = this.destination.getFileSystem(conf);
    // No .crc side files next to the dataset on local disks.
    fs.setWriteChecksum(false);
    if (fs.exists(this.destination)) {
      throw new IllegalArgumentException(
          "destination " + destination + " already exists; choose a new path or delete it first");
    }
    Path parent = this.destination.getParent();
    this.staging =
        new Path(
            parent,
            "." + this.destination.getName() + ".tmp-" + Long.toHexString(System.nanoTime()));
    fs.mkdirs(staging);
  }

  /** Appends one sample. */
  public void write(long id, int label, byte[] encodedImage, String imagePath) throws IOException {
    if (id <= lastId) {
      throw new IllegalStateException("ids must increase: " + id + " after " + lastId);
    }
    lastId = id;
    if (current == null || rowsInPart == ROWS_PER_FILE) {
      rollPart();
    }
    Group row = groups.newGroup();
    Group image = row.addGroup(ImageDataset.IMAGE);
    image.append(ImageDataset.BYTES, Binary.fromConstantByteArray(encodedImage));
    image.append(ImageDataset.PATH, imagePath);
    row.append(ImageDataset.LABEL, label);
    row.append(ImageDataset.ID, id);
    current.write(row);
    rowsInPart++;
    rows++;
  }

  public long rows() {
    return rows;
  }

  /** Closes the last part and moves the dataset into place. */
  public void commit() throws IOException {
    if (rows == 0) {
      throw new IllegalStateException("refusing to write an empty dataset to " + destination);
    }
    closePart();
    fs.create(new Path(staging, "_SUCCESS")).close();
    if (!fs.rename(staging, destination)) {
      throw new IOException("could not move " + staging + " to " + destination);
    }
    committed = true;
  }

  @Override
  public void close() throws IOException {
    if (!committed) {
      try {
        closePart();
      } finally {
        fs.delete(staging, true);
      }
    }
  }

  private void rollPart() throws IOException {
    closePart();
    Path part = new Path(staging, String.format(Locale.ROOT, "part-%05d.parquet", partIndex++));
    current =
        ExampleParquetWriter.builder(HadoopOutputFile.fromPath(part, conf))
            .withType(ImageDataset.SCHEMA)
            .withConf(conf)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withRowGroupSize(ROW_GROUP_BYTES)
            .withWriteMode(ParquetFileWriter.Mode.CREATE)
            .build();
    rowsInPart = 0;
  }

  private void closePart() throws IOException {
    if (current != null) {
      ParquetWriter<Group> w = current;
      current = null;
      w.close();
    }
  }
}

package io.adversarialprune.job.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Reads samples of a canonical dataset ({@link ImageDataset}) straight from its Parquet files,
 * without Spark: what an executor does to load its own shard. Row groups outside the id range are
 * skipped by Parquet's statistics. Works on any Hadoop file system (local, HDFS, S3A...).
 */
public final class DatasetReader {
  /** One stored sample. */
  public record Record(long id, int label, byte[] bytes, String path) {}

  private DatasetReader() {}

  /** The dataset's Parquet files in name order: {@code location} is a file or a directory. */
  public static List<Path> files(String location, Configuration conf) throws IOException {
    Path p = new Path(location);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      throw new java.io.FileNotFoundException("dataset not found: " + location);
    }
    if (fs.getFileStatus(p).isFile()) {
      return List.of(p);
    }
    FileStatus[] entries = fs.listStatus(p, f -> f.getName().endsWith(".parquet"));
    Path[] paths = Arrays.stream(entries).map(FileStatus::getPath).sorted().toArray(Path[]::new);
    if (paths.length == 0) {
      throw new java.io.FileNotFoundException("dataset " + location + " holds no .parquet files");
    }
    return List.of(paths);
  }

  /** All samples with {@code fromId <= id < toId}, in file order. */
  public static List<Record> read(String location, long fromId, long toId, Configuration conf)
      throws IOException {
    FilterPredicate range =
        FilterApi.and(
            FilterApi.gtEq(FilterApi.longColumn(ImageDataset.ID), fromId),
            FilterApi.lt(FilterApi.longColumn(ImageDataset.ID), toId));
    List<Record> out = new ArrayList<>();
    for (Path file : files(location, conf)) {
      try (ParquetReader<Group> reader =
          ParquetReader.builder(new GroupReadSupport(), file)
              .withConf(conf)
              .withFilter(FilterCompat.get(range))
              .build()) {
        for (Group g = reader.read(); g != null; g = reader.read()) {
          long id = g.getLong(ImageDataset.ID, 0);
          if (id < fromId || id >= toId) {
            continue;
          }
          // Parquet's own message for a missing value ("not found 0(image) element number 0 in
          // group") names neither the column nor the sample.
          if (g.getFieldRepetitionCount(ImageDataset.IMAGE) == 0) {
            throw new IllegalArgumentException(
                "dataset " + location + ": column image is null for id " + id);
          }
          Group image = g.getGroup(ImageDataset.IMAGE, 0);
          if (image.getFieldRepetitionCount(ImageDataset.BYTES) == 0) {
            throw new IllegalArgumentException(
                "dataset " + location + ": column image.bytes is null for id " + id);
          }
          byte[] bytes = image.getBinary(ImageDataset.BYTES, 0).getBytes();
          String path =
              image.getFieldRepetitionCount(ImageDataset.PATH) == 0
                  ? null
                  : image.getString(ImageDataset.PATH, 0);
          if (g.getFieldRepetitionCount(ImageDataset.LABEL) == 0) {
            throw new IllegalArgumentException(
                "dataset " + location + ": column label is null for id " + id);
          }
          out.add(new Record(id, label(g), bytes, path));
        }
      }
    }
    return out;
  }

  private static int label(Group g) {
    GroupType type = g.getType();
    Type field = type.getType(ImageDataset.LABEL);
    PrimitiveTypeName prim = field.asPrimitiveType().getPrimitiveTypeName();
    return prim == PrimitiveTypeName.INT64
        ? Math.toIntExact(g.getLong(ImageDataset.LABEL, 0))
        : g.getInteger(ImageDataset.LABEL, 0);
  }
}

package io.adversarialprune.job.check;

import static org.apache.spark.sql.functions.col;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.config.DataConfig;
import io.adversarialprune.job.data.DatasetReader;
import io.adversarialprune.job.data.ImageDataset;
import io.adversarialprune.job.executor.ExecutorCache;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.udfs.model.ImagePreprocessor;
import io.adversarialprune.udfs.model.InputShape;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The driver's checks of a sweep's dataset ({@code sweep.data}), made before anything is written
 * under the results root. Each problem is a {@link UserInputException} (exit 2) that names the
 * dataset, the key or column, and the first id concerned:
 *
 * <ul>
 *   <li>columns {@code image} (struct&lt;bytes: binary, path: string&gt;), an integer {@code label}
 *       and a long {@code id};
 *   <li>ids present and unique over the whole dataset: executors select their shard by id range, so
 *       a duplicate would be attacked twice and counted twice;
 *   <li>{@code sweep.data.limit} no larger than the dataset and {@code sweep.data.shards} no larger
 *       than the images selected: neither is clamped silently;
 *   <li>in the selected ids: no null image, image bytes or label; every image's header readable and
 *       of a size that the preprocessing turns into {@code sweep.model.input}; labels within the
 *       model's classes; and the first image decodes fully.
 * </ul>
 *
 * <p>Headers are read, not decoded, in one Spark pass over the selected rows, so the check costs
 * about one read of the image bytes. What a header cannot show (pixel data cut short or corrupt)
 * fails later, on the executor that decodes it: a job failure, exit 1, the run FAILED.
 *
 * <p>Used by one driver thread; the Spark function inside is a named serializable class.
 */
final class DatasetCheck {
  private final SparkSession spark;
  private final DataConfig config;
  private final String location;
  private final Configuration conf;
  private final Dataset<Row> data;
  private long[] sortedIds;
  private int selected;

  /**
   * Opens the dataset and checks its columns.
   *
   * @throws UserInputException when it cannot be read or lacks a column
   */
  DatasetCheck(SparkSession spark, DataConfig config, Configuration conf) {
    this.spark = spark;
    this.config = config;
    this.conf = conf;
    this.location = ExecutorCache.get().localPath(config.path(), "sweep.data.path");
    try {
      List<org.apache.hadoop.fs.Path> files = DatasetReader.files(location, conf);
      for (org.apache.hadoop.fs.Path file : files) {
        checkParquet(file);
      }
      // The schema from the first file's footer, as Spark would infer it without merging, but
      // read here: Spark's inference is a job of its own (half a second or more at start-up).
      this.data =
          spark
              .read()
              .schema(footerSchema(files.get(0)))
              .option("recursiveFileLookup", "true")
              .parquet(location);
    } catch (UserInputException e) {
      throw e;
    } catch (Exception e) { // Spark's SparkException is checked but not declared by parquet()
      throw new UserInputException(
          "sweep.data.path: cannot read dataset " + config.path() + ": " + e.getMessage(), e);
    }
    checkColumns(data.schema(), config.path());
  }

  /**
   * Checks that {@code file} is a Parquet file by its magic number, {@code PAR1} at its start and
   * end: Spark's own error for anything else is a stack trace hundreds of lines long.
   */
  private void checkParquet(org.apache.hadoop.fs.Path file) throws IOException {
    org.apache.hadoop.fs.FileSystem fs = file.getFileSystem(conf);
    long length = fs.getFileStatus(file).getLen();
    byte[] head = new byte[PARQUET_MAGIC.length];
    byte[] tail = new byte[PARQUET_MAGIC.length];
    if (length >= 2L * PARQUET_MAGIC.length + 4) { // magic, footer length, magic at the least
      try (org.apache.hadoop.fs.FSDataInputStream in = fs.open(file)) {
        in.readFully(0, head);
        in.readFully(length - tail.length, tail);
      }
    }
    if (!Arrays.equals(head, PARQUET_MAGIC) || !Arrays.equals(tail, PARQUET_MAGIC)) {
      String where =
          file.toString().equals(new org.apache.hadoop.fs.Path(location).toString())
              ? config.path()
              : config.path() + " holds " + file.getName() + ", which";
      throw new UserInputException(
          "sweep.data.path: dataset "
              + where
              + " is not a Parquet file ("
              + length
              + " bytes, without the PAR1 marks a Parquet file starts and ends with);"
              + " expected Parquet in the dataset layout: write one from images or IDX files with"
              + " `adversarial-prune ingest`");
    }
  }

  private static final byte[] PARQUET_MAGIC = {'P', 'A', 'R', '1'};

  /**
   * A Parquet file's schema in Spark's types, converted as Spark's own inference does (with the
   * session's SQL settings).
   */
  private StructType footerSchema(org.apache.hadoop.fs.Path file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      return new ParquetToSparkSchemaConverter(SQLConf.get()).convert(schema);
    }
  }

  /**
   * Checks the ids and selects the first {@code sweep.data.limit} of them.
   *
   * @return shard boundaries: shard h covers ids [bounds[h], bounds[h+1])
   */
  long[] shardBounds() {
    // Sorted here rather than by Spark: one scan, no shuffle.
    List<Row> rows = data.select(col(ImageDataset.ID)).collectAsList();
    long[] ids = new long[rows.size()];
    int n = 0;
    for (Row r : rows) {
      if (!r.isNullAt(0)) {
        ids[n++] = r.getLong(0);
      }
    }
    if (n < ids.length) {
      throw new UserInputException(
          "dataset "
              + config.path()
              + ": column id is null in "
              + (ids.length - n)
              + " of "
              + ids.length
              + " rows; every sample needs a unique id (see `ingest`)");
    }
    if (n == 0) {
      throw new UserInputException("sweep.data.path: dataset " + config.path() + " is empty");
    }
    Arrays.sort(ids);
    for (int i = 1; i < n; i++) {
      if (ids[i] == ids[i - 1]) {
        int times = 2;
        while (i + times - 1 < n && ids[i + times - 1] == ids[i]) {
          times++;
        }
        throw new UserInputException(
            "dataset "
                + config.path()
                + ": column id is not unique: id "
                + ids[i]
                + " appears "
                + times
                + " times (the smallest duplicate); every sample needs its own id (see"
                + " `ingest`)");
      }
    }
    long limit = config.limit();
    if (limit > n) {
      throw new UserInputException(
          "sweep.data.limit is "
              + limit
              + ", but dataset "
              + config.path()
              + " has "
              + n
              + " images; use at most "
              + n
              + ", or 0 for all");
    }
    int selected = limit == 0 ? n : (int) limit;
    this.sortedIds = Arrays.copyOf(ids, n);
    this.selected = selected;
    if (config.shards() > selected) {
      throw new UserInputException(
          "sweep.data.shards is "
              + config.shards()
              + ", but only "
              + selected
              + " images are"
              + " selected (dataset "
              + config.path()
              + ", sweep.data.limit "
              + limit
              + "); use at most "
              + selected
              + " shards");
    }
    return SweepPlan.shardBounds(Arrays.copyOf(ids, selected), config.shards());
  }

  /**
   * The calibration slice of a feature-map clamp: the {@code count} ids right after the selected
   * ones, in id order, never an attacked id. Call after {@link #shardBounds()}.
   *
   * @return {@code [from, to)}: the slice's first id and one past its last
   * @throws UserInputException naming {@code key} when the dataset has fewer ids after the selected
   *     ones
   */
  long[] calibrationBounds(int count, String key) {
    int left = sortedIds.length - selected;
    if (count > left) {
      throw new UserInputException(
          key
              + " is "
              + count
              + ": the feature-map clamp (sweep.grid A) is calibrated on that many images after"
              + " the attacked ones, but dataset "
              + config.path()
              + " has "
              + sortedIds.length
              + " images and sweep.data.limit "
              + config.limit()
              + (config.limit() == 0 ? " (0: all of them)" : "")
              + " attacks "
              + selected
              + ", leaving "
              + left
              + "; "
              + (left == 0
                  ? "set sweep.data.limit to at most "
                      + Math.max(1, sortedIds.length - count)
                      + " (images attacked) so that images are left to calibrate on"
                  : "lower sweep.data.limit to at most "
                      + Math.max(1, sortedIds.length - count)
                      + " or "
                      + key
                      + " to at most "
                      + left));
    }
    return new long[] {sortedIds[selected], sortedIds[selected + count - 1] + 1};
  }

  /**
   * Checks every selected row (nulls, image headers and sizes) in one Spark pass.
   *
   * @return the labels' range, to be checked against the model's classes
   */
  Labels checkRows(long[] bounds, ImagePreprocessor preprocessor, InputShape input) {
    List<RowCheck.Result> parts =
        data.where(
                col(ImageDataset.ID)
                    .geq(bounds[0])
                    .and(col(ImageDataset.ID).lt(bounds[bounds.length - 1])))
            .select(ImageDataset.ID, ImageDataset.LABEL, ImageDataset.IMAGE)
            .javaRDD()
            .mapPartitions(new RowCheck(config.path(), preprocessor, input))
            .collect();
    RowCheck.Result all = parts.stream().reduce(RowCheck.Result.NONE, RowCheck.Result::merge);
    if (all.problems() > 0) {
      throw new UserInputException(
          all.firstProblem()
              + (all.problems() == 1
                  ? ""
                  : " ("
                      + all.problems()
                      + " of the selected rows have problems; the one with"
                      + " the smallest id is shown)"));
    }
    return new Labels(
        config.path(), all.minLabel(), all.minLabelId(), all.maxLabel(), all.maxLabelId());
  }

  /** Decodes the first selected image fully: proves the decoder reads the dataset's format. */
  void checkFirstImageDecodes(long[] bounds, ImagePreprocessor preprocessor, InputShape input)
      throws IOException {
    DatasetReader.Record first =
        DatasetReader.read(location, bounds[0], bounds[0] + 1, conf).get(0);
    try {
      preprocessor.pixels(first.bytes(), "id " + first.id(), input);
    } catch (IllegalArgumentException e) {
      throw new UserInputException("dataset " + config.path() + ": " + e.getMessage(), e);
    }
  }

  /** The range of the selected labels, and an id holding each end. */
  record Labels(String dataset, long min, long minId, long max, long maxId) {
    /**
     * @throws UserInputException when a label is outside {@code [0, classes)}
     */
    void checkWithin(int classes) {
      if (min < 0 || max >= classes) {
        throw new UserInputException(
            "column label of dataset "
                + dataset
                + " has values in ["
                + min
                + ", "
                + max
                + "], outside the model's classes [0, "
                + classes
                + ") (e.g. id "
                + (min < 0 ? minId : maxId)
                + ")");
      }
    }
  }

  private static void checkColumns(StructType schema, String path) {
    StructField image = field(schema, ImageDataset.IMAGE, path);
    if (!(image.dataType() instanceof StructType s)
        || !hasField(s, ImageDataset.BYTES, DataTypes.BinaryType)) {
      throw new UserInputException(
          "dataset "
              + path
              + ": column image must be struct<bytes: binary, path: string>, got "
              + image.dataType().simpleString());
    }
    DataType label = field(schema, ImageDataset.LABEL, path).dataType();
    if (!(label.equals(DataTypes.IntegerType)
        || label.equals(DataTypes.LongType)
        || label.equals(DataTypes.ShortType)
        || label.equals(DataTypes.ByteType))) {
      throw new UserInputException(
          "dataset " + path + ": column label must be an integer, got " + label.simpleString());
    }
    if (!field(schema, ImageDataset.ID, path).dataType().equals(DataTypes.LongType)) {
      throw new UserInputException("dataset " + path + ": column id must be a long (see `ingest`)");
    }
  }

  private static StructField field(StructType schema, String name, String path) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new UserInputException(
        "dataset "
            + path
            + " has no column "
            + name
            + " (has "
            + String.join(", ", schema.fieldNames())
            + "); convert it with `ingest`");
  }

  private static boolean hasField(StructType s, String name, DataType type) {
    for (StructField f : s.fields()) {
      if (f.name().equals(name) && f.dataType().equals(type)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Checks the rows (id, label, image) of one partition: null image, bytes or label, an image
   * header that cannot be read, a size the preprocessing does not turn into the model's input.
   * Returns one small {@link Result} per partition: the labels' range, how many rows have problems,
   * and the problem of the one with the smallest id.
   */
  static final class RowCheck implements FlatMapFunction<Iterator<Row>, RowCheck.Result> {
    private static final long serialVersionUID = 1L;

    /** One partition's (or, merged, all partitions') findings. */
    record Result(
        long rows,
        long minLabel,
        long minLabelId,
        long maxLabel,
        long maxLabelId,
        long problems,
        long firstProblemId,
        String firstProblem)
        implements Serializable {
      static final Result NONE =
          new Result(0, Long.MAX_VALUE, -1, Long.MIN_VALUE, -1, 0, Long.MAX_VALUE, null);

      Result merge(Result o) {
        boolean mine = firstProblemId < o.firstProblemId;
        return new Result(
            rows + o.rows,
            Math.min(minLabel, o.minLabel),
            minLabel <= o.minLabel ? minLabelId : o.minLabelId,
            Math.max(maxLabel, o.maxLabel),
            maxLabel >= o.maxLabel ? maxLabelId : o.maxLabelId,
            problems + o.problems,
            mine ? firstProblemId : o.firstProblemId,
            mine ? firstProblem : o.firstProblem);
      }
    }

    private final String dataset;
    private final ImagePreprocessor preprocessor;
    private final InputShape input;

    RowCheck(String dataset, ImagePreprocessor preprocessor, InputShape input) {
      this.dataset = dataset;
      this.preprocessor = preprocessor;
      this.input = input;
    }

    @Override
    public Iterator<Result> call(Iterator<Row> rows) {
      Result r = Result.NONE;
      while (rows.hasNext()) {
        Row row = rows.next();
        long id = row.getLong(0);
        String problem = problem(row, id);
        long label = row.isNullAt(1) ? 0 : ((Number) row.get(1)).longValue();
        r =
            r.merge(
                new Result(
                    1,
                    row.isNullAt(1) ? Long.MAX_VALUE : label,
                    id,
                    row.isNullAt(1) ? Long.MIN_VALUE : label,
                    id,
                    problem == null ? 0 : 1,
                    problem == null ? Long.MAX_VALUE : id,
                    problem));
      }
      return List.of(r).iterator();
    }

    private String problem(Row row, long id) {
      if (row.isNullAt(2)) {
        return "dataset " + dataset + ": column image is null for id " + id;
      }
      Row image = row.getStruct(2);
      int bytesField = image.fieldIndex(ImageDataset.BYTES);
      byte[] bytes = image.isNullAt(bytesField) ? null : (byte[]) image.get(bytesField);
      if (bytes == null || bytes.length == 0) {
        return "dataset "
            + dataset
            + ": column image.bytes is "
            + (bytes == null ? "null" : "empty")
            + " for id "
            + id;
      }
      if (row.isNullAt(1)) {
        return "dataset " + dataset + ": column label is null for id " + id;
      }
      int pathField = image.schema().getFieldIndex(ImageDataset.PATH).getOrElse(() -> -1);
      String name =
          "id "
              + id
              + (pathField < 0 || image.isNullAt(pathField)
                  ? ""
                  : " (" + image.getString(pathField) + ")");
      int[] size;
      try {
        size = headerSize(bytes);
      } catch (IOException | RuntimeException e) {
        return "dataset " + dataset + ": image " + name + " cannot be read: " + e.getMessage();
      }
      try {
        preprocessor.checkSize(size[0], size[1], name, input);
      } catch (IllegalArgumentException e) {
        return "dataset " + dataset + " does not fit sweep.model.input: " + e.getMessage();
      }
      return null;
    }

    /** Width and height from the image's header, without decoding its pixels. */
    static int[] headerSize(byte[] bytes) throws IOException {
      try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
          throw new IOException("not an image format this JVM reads (PNG, JPEG, BMP, GIF...)");
        }
        ImageReader reader = readers.next();
        try {
          reader.setInput(in, true, true);
          return new int[] {reader.getWidth(0), reader.getHeight(0)};
        } finally {
          reader.dispose();
        }
      }
    }
  }
}

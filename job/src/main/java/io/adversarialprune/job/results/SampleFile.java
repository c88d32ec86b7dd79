package io.adversarialprune.job.results;

import static org.apache.parquet.schema.LogicalTypeAnnotation.stringType;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.DOUBLE;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FLOAT;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;

import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.udfs.metrics.SampleOutcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.types.StructType;

/**
 * Writes one unit's per-sample outcomes (with, for a pruned config of a grid with a baseline, the
 * pruned model's prediction on the baseline's adversarial image of the sample: {@code
 * baseline_adv_pred}, and for the {@code autoattack} cascade the member that broke the sample:
 * {@code broken_by}; for an attack that records distances, FAB-T and the cascade, the smallest
 * adversarial distance found in the attack's norm: {@code min_distance}, null where none was found)
 * (the {@code samples} table) as one Parquet file, with the unit's {@link UnitInfo} as JSON in the
 * file's key-value metadata ({@link #UNIT_INFO_KEY}), and reads that back. Executors write these
 * themselves so that a unit commits as a whole, one file, independent of any Spark job commit.
 * Spark ignores the metadata when it reads the table.
 */
public final class SampleFile {
  /** The footer key-value metadata key of the unit's {@link UnitInfo} JSON. */
  public static final String UNIT_INFO_KEY = "adversarial_prune.unit_info";

  public static final MessageType SCHEMA =
      Types.buildMessage()
          .required(BINARY)
          .as(stringType())
          .named("sweep")
          .required(BINARY)
          .as(stringType())
          .named("run_id")
          .required(BINARY)
          .as(stringType())
          .named("config_id")
          .required(BINARY)
          .as(stringType())
          .named("prune")
          .required(BINARY)
          .as(stringType())
          .named("prune_type")
          .optional(DOUBLE)
          .named("prune_value")
          .optional(BINARY)
          .as(stringType())
          .named("target")
          .required(BINARY)
          .as(stringType())
          .named("attack")
          .required(BINARY)
          .as(stringType())
          .named("attack_type")
          .required(INT64)
          .named("seed")
          .required(INT32)
          .named("shard")
          .required(INT64)
          .named("id")
          .required(INT32)
          .named("label")
          .required(INT32)
          .named("clean_pred")
          .required(INT32)
          .named("adv_pred")
          .optional(INT32)
          .named("baseline_adv_pred")
          .required(FLOAT)
          .named("clean_loss")
          .required(FLOAT)
          .named("adv_loss")
          .required(FLOAT)
          .named("linf")
          .required(FLOAT)
          .named("l2")
          .optional(BINARY)
          .as(stringType())
          .named("broken_by")
          .optional(FLOAT)
          .named("min_distance")
          .named("spark_schema");

  /**
   * {@link #SCHEMA} as Spark reads it (every column nullable, as Spark reads any Parquet file):
   * readers pass it rather than infer it, so an empty table directory reads as an empty table.
   */
  public static final StructType SPARK_SCHEMA =
      StructType.fromDDL(
          "sweep STRING, run_id STRING, config_id STRING, prune STRING, "
              + "prune_type STRING, prune_value DOUBLE, target STRING, attack STRING, "
              + "attack_type STRING, seed BIGINT, shard INT, id BIGINT, label INT, "
              + "clean_pred INT, adv_pred INT, baseline_adv_pred INT, clean_loss FLOAT, "
              + "adv_loss FLOAT, linf FLOAT, l2 FLOAT, broken_by STRING, min_distance FLOAT");

  private SampleFile() {}

  /** Writes (overwrites) {@code file}, creating its parent directories. */
  public static void write(
      Path file,
      String sweep,
      String runId,
      Unit unit,
      List<SampleOutcome> samples,
      int[] baselineAdvPred,
      UnitInfo info,
      Configuration conf)
      throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
            .withType(SCHEMA)
            .withConf(conf)
            .withExtraMetaData(
                Map.of(UNIT_INFO_KEY, new String(info.toJson(), StandardCharsets.UTF_8)))
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      for (int i = 0; i < samples.size(); i++) {
        SampleOutcome s = samples.get(i);
        Group g = groups.newGroup();
        g.append("sweep", sweep);
        g.append("run_id", runId);
        g.append("config_id", unit.configId());
        g.append("prune", unit.config().pruneLabel());
        g.append("prune_type", unit.config().pruneType());
        if (unit.config().pruneValue() != null) {
          g.append("prune_value", unit.config().pruneValue());
        }
        if (unit.config().targetName() != null) {
          g.append("target", unit.config().targetName());
        }
        g.append("attack", unit.attackName());
        g.append("attack_type", unit.attack().spec().type());
        g.append("seed", unit.seed());
        g.append("shard", unit.shard());
        g.append("id", s.id());
        g.append("label", s.label());
        g.append("clean_pred", s.cleanPred());
        g.append("adv_pred", s.advPred());
        if (baselineAdvPred != null) {
          g.append("baseline_adv_pred", baselineAdvPred[i]);
        }
        g.append("clean_loss", s.cleanLoss());
        g.append("adv_loss", s.advLoss());
        g.append("linf", s.linf());
        g.append("l2", s.l2());
        if (s.brokenBy() != null) {
          g.append("broken_by", s.brokenBy());
        }
        if (s.hasDistance()) {
          g.append("min_distance", s.minDistance());
        }
        w.write(g);
      }
    }
  }

  /**
   * The {@link UnitInfo} in {@code file}'s footer.
   *
   * @throws IOException when the file cannot be read or has no (valid) unit info
   */
  public static UnitInfo readInfo(Path file, Configuration conf) throws IOException {
    String json;
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      json = reader.getFooter().getFileMetaData().getKeyValueMetaData().get(UNIT_INFO_KEY);
    }
    if (json == null) {
      throw new IOException(
          file
              + " has no "
              + UNIT_INFO_KEY
              + " metadata (written by an older version of the job?);"
              + " run the sweep again with a new --run-id");
    }
    return UnitInfo.parse(json.getBytes(StandardCharsets.UTF_8), file.toString());
  }
}

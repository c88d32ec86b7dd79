package io.adversarialprune.job.results;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.adversarialprune.udfs.metrics.OutcomeCounts;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The worst case over a run's attacks, per (config, seed), from its {@code samples} table with
 * Spark: a sample is adversarially correct only if it is correct under every attack, clean-correct
 * only if every attack's clean evaluation (the same model, the same image) says so, and changed if
 * any attack changed its prediction. Robust accuracy in the sense of AutoAttack.
 */
public final class WorstCase {
  private WorstCase() {}

  /** One (config, seed). */
  public record Key(String configId, long seed) {}

  /**
   * The worst case of one (config, seed).
   *
   * @param baselineAdvCorrect samples classified correctly on the baseline's adversarial images of
   *     every attack (transfer from baseline), or null when the config judges none
   */
  public record Counts(OutcomeCounts counts, Long baselineAdvCorrect) {}

  /**
   * Reads the committed samples of one run and counts the worst case.
   *
   * @param attacks how many attacks the run has: every sample must appear under each exactly once
   * @throws IllegalStateException when a sample is missing under an attack, or appears twice
   */
  public static Map<Key, Counts> counts(
      SparkSession spark, ResultsLayout layout, String sweep, String runId, int attacks) {
    Dataset<Row> samples =
        spark
            .read()
            .schema(SampleFile.SPARK_SCHEMA)
            .option("recursiveFileLookup", "true")
            .parquet(layout.units(sweep, runId).toString());
    Dataset<Row> perSample =
        samples
            .groupBy("config_id", "seed", "id")
            .agg(
                count(lit(1)).as("rows"),
                countDistinct("attack").as("attacks"),
                min(when(col("clean_pred").equalTo(col("label")), 1).otherwise(0)).as("correct"),
                min(when(col("adv_pred").equalTo(col("label")), 1).otherwise(0)).as("adv_correct"),
                max(when(col("adv_pred").notEqual(col("clean_pred")), 1).otherwise(0))
                    .as("changed"),
                // null when the config judges no baseline images
                min(col("baseline_adv_pred").equalTo(col("label")).cast("int")).as("baseline_ok"));
    List<Row> rows =
        perSample
            .groupBy("config_id", "seed")
            .agg(
                count(lit(1)).as("total"),
                sum("correct").as("correct"),
                sum("adv_correct").as("adv_correct"),
                sum("changed").as("changed"),
                sum(col("correct").minus(col("adv_correct")).gt(0).cast("int")).as("attacked"),
                min("rows").as("min_rows"),
                max("rows").as("max_rows"),
                min("attacks").as("min_attacks"),
                sum("baseline_ok").as("baseline_adv_correct"))
            .collectAsList();
    Map<Key, Counts> out = new HashMap<>();
    for (Row r : rows) {
      String config = r.getString(0);
      long seed = r.getLong(1);
      if (r.getLong(7) != attacks || r.getLong(8) != attacks || r.getLong(9) != attacks) {
        throw new IllegalStateException(
            "worst case of config "
                + config
                + " seed "
                + seed
                + ": expected every sample under "
                + attacks
                + " attacks once, found "
                + r.getLong(7)
                + " to "
                + r.getLong(8)
                + " rows per sample");
      }
      out.put(
          new Key(config, seed),
          new Counts(
              new OutcomeCounts(
                  r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5), r.getLong(6)),
              r.isNullAt(10) ? null : r.getLong(10)));
    }
    return out;
  }
}

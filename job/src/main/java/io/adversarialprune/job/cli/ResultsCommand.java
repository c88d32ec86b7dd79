package io.adversarialprune.job.cli;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.config.ResultsConfig;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.Tables;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command on a results root in a Spark session named after it ({@code query}, {@code report},
 * {@code import}, {@code maintain}): the shared {@code --results} option and the session's
 * lifecycle.
 */
abstract class ResultsCommand implements Callable<Integer> {
  @Option(
      names = "--results",
      required = true,
      description =
          "Results root: the warehouse of the embedded catalog, and the runs' working files.")
  String results;

  @Option(
      names = "--catalog",
      defaultValue = ResultsCatalog.EMBEDDED,
      description =
          "Spark catalog of the results tables. Default: ${DEFAULT-VALUE}, the Iceberg Hadoop"
              + " catalog in --results unless spark.sql.catalog.${DEFAULT-VALUE} is configured;"
              + " another name needs its spark.sql.catalog.NAME settings (--conf or"
              + " spark-defaults).")
  String catalog;

  @Option(
      names = "--namespace",
      defaultValue = ResultsCatalog.DEFAULT_NAMESPACE,
      description = "Namespace of the results tables in the catalog. Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Spec CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    checkOptions();
    return Spark.withReadingSession("adversarial-prune " + spec.name(), this::run);
  }

  /**
   * Checks the command's own options before a session starts, so a malformed one exits 2 at once.
   *
   * @throws UserInputException naming the option
   */
  void checkOptions() {}

  /**
   * Opens the results catalog and makes its namespace the session's current one.
   *
   * @return the results tables it holds, in {@code Tables.ALL} order
   * @throws UserInputException when the root does not exist or holds no results
   */
  List<String> tables(SparkSession spark) throws java.io.IOException {
    ResultsCatalog catalog = catalog(spark);
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(results);
    if (catalog.catalog().equals(ResultsCatalog.EMBEDDED)
        && !root.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(root)) {
      throw new UserInputException("results root " + results + " does not exist");
    }
    List<String> tables = Tables.use(catalog);
    if (tables.isEmpty()) {
      throw new UserInputException(
          (catalog.catalog().equals(ResultsCatalog.EMBEDDED)
                  ? "results root " + results
                  : "catalog namespace " + catalog)
              + " has no results (none of the tables "
              + String.join(", ", Tables.NAMES)
              + "); is it the --results of a run?");
    }
    return tables;
  }

  /**
   * The results catalog the options name, reached once.
   *
   * @throws UserInputException when a name is malformed, or the catalog unknown or unreachable
   */
  ResultsCatalog catalog(SparkSession spark) {
    try {
      ResultsConfig.check(catalog, "--catalog");
      ResultsConfig.check(namespace, "--namespace");
    } catch (IllegalArgumentException e) {
      throw new UserInputException(e.getMessage());
    }
    return ResultsCatalog.open(spark, catalog, namespace, results);
  }

  /** The command's work in {@code spark}; returns the exit code. */
  abstract Integer run(SparkSession spark) throws Exception;
}

package io.adversarialprune.job.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that reads a results root in a Spark session named after it ({@code query}, {@code
 * report}): the shared {@code --results} option and the session's lifecycle.
 */
abstract class ResultsCommand implements Callable<Integer> {
  @Option(names = "--results", required = true, description = "Results root.")
  String results;

  @Spec CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    return Spark.withSession("adversarial-prune " + spec.name(), this::run);
  }

  /** The command's work in {@code spark}; returns the exit code. */
  abstract Integer run(SparkSession spark) throws Exception;
}

package io.adversarialprune.job;

import io.adversarialprune.job.cli.CompareCommand;
import io.adversarialprune.job.cli.EngineProbeCommand;
import io.adversarialprune.job.cli.ImportCommand;
import io.adversarialprune.job.cli.IngestCommand;
import io.adversarialprune.job.cli.MaintainCommand;
import io.adversarialprune.job.cli.NightlyCommand;
import io.adversarialprune.job.cli.QueryCommand;
import io.adversarialprune.job.cli.ReportCommand;
import io.adversarialprune.job.cli.RunCommand;
import io.adversarialprune.job.cli.WarmUpCommand;
import io.adversarialprune.job.executor.EngineCheckFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The job's entry point: {@code adversarial-prune <command> ...}. Exit codes: 0 success, 2 usage or
 * input/config error (the message names the key, file or column; nothing was written), 1 job
 * failure (a {@link RunFailedException}: the run's {@code runs} row says FAILED).
 *
 * <p>{@code main} never sets a Spark master: spark-submit (or the local launcher's {@code
 * spark.master}) does.
 */
@Command(
    name = "adversarial-prune",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description =
        "Sweeps weight pruning and perturbation x adversarial attacks (FGSM, PGD, APGD, Square,"
            + " FAB-T, AutoAttack) over a classifier on Spark, and reads the results.",
    subcommands = {
      RunCommand.class,
      NightlyCommand.class,
      IngestCommand.class,
      QueryCommand.class,
      ReportCommand.class,
      CompareCommand.class,
      ImportCommand.class,
      MaintainCommand.class,
      EngineProbeCommand.class,
      WarmUpCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;

  /**
   * Loggers that are quiet unless {@code --verbose}: the job's own diagnostics (per unit, per
   * engine check, the lease) and third-party warnings that say nothing about this run (no native
   * Hadoop library, no CUDA driver on a CPU host, Spark shortening a plan's string).
   */
  private static final String[] QUIET = {
    "org.apache.hadoop.util.NativeCodeLoader",
    "ai.djl.util.cuda.CudaUtils",
    "org.apache.spark.util.SparkStringUtils"
  };

  /** Whether {@code --verbose} was given: then a failure's stack trace is printed too. */
  private static volatile boolean verbose;

  private Main() {}

  /**
   * {@code --verbose}, on every command: the job's DEBUG lines and the warnings the launcher's log
   * configuration keeps quiet. (The local launcher also stops filtering libtorch's NNPACK
   * warnings.) One description for every command, so it names what each command adds only where
   * that command has it.
   */
  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description =
          "Log the job's diagnostics and the warnings kept quiet, and print a failure's stack"
              + " trace (run, nightly: also a line per unit and per engine check).")
  void verbose(boolean on) {
    verbose = on;
    if (on) {
      Configurator.setLevel("io.adversarialprune", Level.DEBUG);
      for (String logger : QUIET) {
        Configurator.setLevel(logger, Level.WARN);
      }
    }
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code (used by tests, never calls exit). */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command line (tests redirect its output streams). */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(Main::handleException);
    return cli;
  }

  private static int handleException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    PrintWriter err = cli.getErr();
    UserInputException input = find(e, UserInputException.class);
    // A run that wrote something and then failed is a job failure, whatever its cause.
    if (input != null && find(e, RunFailedException.class) == null) {
      err.println("error: " + input.getMessage());
      err.flush();
      return EXIT_USAGE;
    }
    EngineCheckFailedException check = find(e, EngineCheckFailedException.class);
    if (check != null) {
      // A finding about the engine or the model, not a crash: the message says it all.
      err.println("failed: " + check.getMessage());
      err.flush();
      return EXIT_FAILURE;
    }
    RunFailedException run = find(e, RunFailedException.class);
    if (run != null && run.interrupted()) {
      // The signal hook said what happened and how to resume: one message, not two.
      err.flush();
      return EXIT_FAILURE;
    }
    if (run != null && !verbose) {
      // The run's own account names the run, what its runs row says and the first cause below
      // Spark's wrappers; Spark's and the engine's stack traces come with --verbose.
      err.println("failed: " + run.getMessage());
      err.flush();
      return EXIT_FAILURE;
    }
    err.println("failed: " + e);
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      err.println("  caused by: " + c);
    }
    if (verbose) {
      e.printStackTrace(err);
    }
    err.flush();
    return EXIT_FAILURE;
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }

  /**
   * Reports the project's version from {@code version.properties}, which the build writes next to
   * this class (Maven resource filtering): the same in the application jar, on the local launcher's
   * class path and in tests, none of which has a manifest naming it.
   */
  static final class Version implements CommandLine.IVersionProvider {
    static final String RESOURCE = "version.properties";

    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              "No " + RESOURCE + " beside " + Main.class.getName() + ": rebuild with Maven");
        }
        p.load(in);
      }
      return new String[] {"adversarial-prune " + p.getProperty("version")};
    }
  }
}

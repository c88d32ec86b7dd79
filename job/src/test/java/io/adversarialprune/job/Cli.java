package io.adversarialprune.job;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One command line run in this JVM as a user would type it ({@link Main#commandLine()}, in the
 * test's Spark session if one is running): its exit code and what it printed.
 */
public record Cli(int code, String out, String err) {

  /** Runs {@code args} and captures stdout and stderr. */
  public static Cli run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Cli(code, out.toString(), err.toString());
  }
}

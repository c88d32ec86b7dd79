package io.adversarialprune.job;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a {@link Main} in a JVM of its own, as a real driver runs: this JVM's {@code
 * --add-opens} (Spark needs them on JDK 17) and class path, the offline engine, a one-slot local
 * Spark without its web UI on loopback, then {@code properties} and the command's arguments. For
 * tests that signal, kill, or run two drivers at once.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /**
   * @param properties further JVM options, e.g. {@code -Djava.io.tmpdir=...}
   * @param args the command and its arguments, e.g. {@code run --results DIR}
   */
  public static List<String> command(List<String> properties, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
        command.add(arg);
      }
    }
    command.addAll(
        List.of(
            "-Xmx1g",
            "-Dai.djl.offline=true",
            "-Dspark.master=local[1]",
            "-Dspark.ui.enabled=false",
            "-Dspark.driver.host=127.0.0.1"));
    command.addAll(properties);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(args);
    return command;
  }
}

package io.adversarialprune.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Main;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code --verbose}, before or after the command, brings the job's DEBUG lines back. */
class VerboseOptionTest {
  private static final String JOB = "io.adversarialprune";

  @AfterEach
  void quietAgain() {
    Configurator.setLevel(JOB, Level.INFO);
  }

  @Test
  void afterTheCommand() {
    Configurator.setLevel(JOB, Level.INFO);
    Main.commandLine().parseArgs("run", "--verbose", "--results", "unused");
    assertThat(LogManager.getLogger(JOB).getLevel()).isEqualTo(Level.DEBUG);
  }

  @Test
  void beforeTheCommand() {
    Configurator.setLevel(JOB, Level.INFO);
    Main.commandLine().parseArgs("--verbose", "query", "--results", "unused", "SELECT 1");
    assertThat(LogManager.getLogger(JOB).getLevel()).isEqualTo(Level.DEBUG);
  }

  @Test
  void withoutIt() {
    Configurator.setLevel(JOB, Level.INFO);
    Main.commandLine().parseArgs("run", "--results", "unused");
    assertThat(LogManager.getLogger(JOB).getLevel()).isEqualTo(Level.INFO);
  }
}

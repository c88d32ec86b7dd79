package io.adversarialprune.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Cli;
import io.adversarialprune.job.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** What {@code --help} and {@code -V} print: true of what the commands do. */
class HelpTest {

  private static Cli execute(String... args) {
    return Cli.run(args);
  }

  /** The help text with its line breaks and indentation folded into single spaces. */
  private static String help(String... args) {
    Cli r = execute(args);
    assertThat(r.code()).as(r.err()).isZero();
    // picocli warns there when a description is not a valid format string ("95%")
    assertThat(r.err()).isEmpty();
    return r.out().replaceAll("\\s+", " ");
  }

  @Test
  void versionPrintsTheProjectsVersion() throws IOException {
    String pom = Files.readString(Path.of("../pom.xml"));
    Matcher m =
        Pattern.compile("<artifactId>adversarial-prune-parent</artifactId>\\s*<version>([^<]+)<")
            .matcher(pom);
    assertThat(m.find()).as("the parent pom's version").isTrue();

    Cli r = execute("-V");

    assertThat(r.code()).isZero();
    assertThat(r.out().trim()).isEqualTo("adversarial-prune " + m.group(1));
  }

  @Test
  void everyDescriptionIsAValidFormatString() {
    // picocli formats descriptions and, on a bare '%' ("95%"), prints a warning and the raw text
    List<String> bad = new ArrayList<>();
    Deque<CommandLine> todo = new ArrayDeque<>(List.of(Main.commandLine()));
    while (!todo.isEmpty()) {
      CommandLine c = todo.pop();
      todo.addAll(c.getSubcommands().values());
      List<String> texts =
          new ArrayList<>(List.of(c.getCommandSpec().usageMessage().description()));
      c.getCommandSpec().options().forEach(o -> texts.addAll(List.of(o.description())));
      for (String text : texts) {
        try {
          String.format(text);
        } catch (IllegalFormatException e) {
          bad.add(c.getCommandName() + ": " + text);
        }
      }
    }
    assertThat(bad).isEmpty();
  }

  @Test
  void topLevelNamesTheAttackFamiliesNotPgdAlone() {
    String top = help("--help");
    assertThat(top).doesNotContain("PGD attacks");
    assertThat(top).contains("FGSM", "PGD", "APGD", "Square", "FAB-T", "AutoAttack");
  }

  @Test
  void runNamesEveryTableItWrites() {
    assertThat(help("run", "--help"))
        .contains("samples", "metrics", "prune_stats", "runs", "engine_checks", "layers");
  }

  @ParameterizedTest
  @ValueSource(strings = {"query", "report", "ingest", "compare", "maintain", "import"})
  void verboseOnAReadingCommandClaimsNoUnitsOrEngineChecksOfItsOwn(String command) {
    String text = help(command, "--help");
    String verbose = text.substring(text.lastIndexOf("--verbose "));
    assertThat(verbose)
        .startsWith("--verbose Log the job's diagnostics and the warnings kept quiet")
        .contains("(run, nightly: also a line per unit and per engine check)");
  }

  @Test
  void engineProbesCacheDirDefaultNamesBothPathsUnbroken() {
    Cli r = execute("engine-probe", "--help");
    assertThat(r.out())
        .contains("$XDG_CACHE_HOME/adversarial-prune,", "or ~/.cache/adversarial-prune without");
  }
}

package io.adversarialprune.job.results;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/RESULTS.md's column list is the tables' definitions ({@link Tables#ALL}), no more. */
class ResultsDocsTest {
  private static final Path DOC = Path.of("../docs/RESULTS.md");

  @Test
  void theColumnListNamesEveryTableAndColumnInOrder() throws IOException {
    String doc = Files.readString(DOC);
    int from = doc.indexOf("<!-- columns:");
    int to = doc.indexOf("<!-- /columns -->");
    assertThat(from).as("the columns block").isPositive();
    Matcher row =
        Pattern.compile("(?m)^\\| `(\\w+)` \\| (.+) \\|$").matcher(doc.substring(from, to));
    Map<String, List<String>> documented = new LinkedHashMap<>();
    while (row.find()) {
      documented.put(row.group(1), List.of(row.group(2).split(", ")));
    }
    Map<String, List<String>> defined = new LinkedHashMap<>();
    for (TableDef def : Tables.ALL) {
      defined.put(def.name(), List.of(def.schema().fieldNames()));
    }
    assertThat(documented).containsExactlyEntriesOf(defined);
  }
}

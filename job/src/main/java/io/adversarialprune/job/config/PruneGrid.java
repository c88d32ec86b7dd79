package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import io.adversarialprune.udfs.config.ConfigProblems;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.PruneStep;
import io.adversarialprune.udfs.prune.PruneType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code sweep.grid}: the sweep's grid of prune specs, read from HOCON: the baseline, one
 * single-step spec per value of each {@link PruneType}'s list (keys {@code E, S, R, L1, L1G, LN1,
 * LN2, RANDOM, Q, QC}), then the composites, each {@code TYPE=VALUE} steps joined by {@code +}
 * ({@link #parseSteps}). Defaults belong in the job's {@code reference.conf}; the keys' types are
 * checked there too.
 */
final class PruneGrid {
  private PruneGrid() {}

  /**
   * The specs of {@code sweep.grid} of {@code s}, the {@code sweep} block, all with the same name
   * filters and normality gate. Every bad value, composite and duplicate goes to {@code problems},
   * the view of {@code sweep}, naming its key under {@code sweep.grid}.
   */
  static List<PruneSpec> from(
      Config s, ConfigProblems problems, String include, String exclude, boolean normalityGate) {
    Config grid = s.getConfig("grid");
    ConfigProblems keys = problems.at("grid");
    List<PruneSpec> specs = new ArrayList<>();
    if (grid.getBoolean("baseline")) {
      specs.add(new PruneSpec(List.of(), include, exclude, normalityGate));
    }
    for (PruneType type : PruneType.values()) {
      if (type == PruneType.NONE) {
        continue;
      }
      for (double v : grid.getDoubleList(type.name())) {
        try {
          specs.add(
              new PruneSpec(List.of(new PruneStep(type, v)), include, exclude, normalityGate));
        } catch (IllegalArgumentException e) {
          keys.add(type.name(), full -> full + ": " + e.getMessage());
        }
      }
    }
    for (String c : grid.getStringList("composite")) {
      try {
        specs.add(new PruneSpec(parseSteps(c), include, exclude, normalityGate));
      } catch (IllegalArgumentException e) {
        keys.add("composite", full -> full + " entry '" + c + "': " + e.getMessage());
      }
    }
    Set<String> seen = new LinkedHashSet<>();
    Set<String> twice = new LinkedHashSet<>();
    for (PruneSpec spec : specs) {
      if (!seen.add(spec.label())) {
        twice.add(spec.label());
      }
    }
    if (!twice.isEmpty()) {
      problems.add(
          "grid",
          "lists the same config twice: "
              + String.join(", ", twice)
              + " (a composite's steps are sorted, and 0.50 is 0.5)");
    }
    return List.copyOf(specs);
  }

  /**
   * Parses {@code TYPE=VALUE[+TYPE=VALUE...]}, e.g. {@code "E=0.01+R=0.001"} or {@code
   * "L1G=0.5+QC=8"}: exactly that grammar, whitespace around each part allowed; an empty step (a
   * leading, trailing or doubled {@code +}) is refused with the offending text, not dropped.
   *
   * @throws IllegalArgumentException naming the part that is not {@code TYPE=VALUE}
   */
  static List<PruneStep> parseSteps(String text) {
    List<PruneStep> steps = new ArrayList<>();
    String[] parts = text.split("\\+", -1);
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i].trim();
      if (part.isEmpty()) {
        throw new IllegalArgumentException(
            "step "
                + (i + 1)
                + " of "
                + parts.length
                + " is empty (a '+' with no TYPE=VALUE "
                + (i == 0 ? "before" : "after")
                + " it); expected TYPE=VALUE[+TYPE=VALUE...], e.g. E=0.01+R=0.001");
      }
      String[] kv = part.split("=", -1);
      if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
        throw new IllegalArgumentException(
            "'"
                + part
                + "' is not TYPE=VALUE; expected TYPE=VALUE[+TYPE=VALUE...], e.g. E=0.01+R=0.001"
                + " or L1=0.5+Q=8");
      }
      double value;
      try {
        value = Double.parseDouble(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + kv[1].trim() + "' is not a number");
      }
      steps.add(new PruneStep(PruneType.parse(kv[0].trim()), value));
    }
    return steps;
  }
}

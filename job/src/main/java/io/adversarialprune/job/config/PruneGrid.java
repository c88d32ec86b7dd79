package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import io.adversarialprune.udfs.config.ConfigProblems;
import io.adversarialprune.udfs.prune.ClampSpec;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.PruneStep;
import io.adversarialprune.udfs.prune.PruneType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code sweep.grid}: the sweep's grid of configs, read from HOCON: the baseline, one single-step
 * spec per value of each {@link PruneType}'s list (keys {@code E, S, R, L1, L1G, LN1, LN2, RANDOM,
 * Q, QC}), one feature-map clamp per value of {@code A}'s ({@link ClampSpec}, no weight prune),
 * then the composites, each {@code TYPE=VALUE} steps joined by {@code +} ({@link #parse}), where an
 * {@code A} step is the config's clamp. Defaults belong in the job's {@code reference.conf}; the
 * keys' types are checked there too.
 */
final class PruneGrid {
  private PruneGrid() {}

  /**
   * The configs of {@code sweep.grid} of {@code s}, the {@code sweep} block, all with the same name
   * filters and normality gate. Every bad value, composite and duplicate goes to {@code problems},
   * the view of {@code sweep}, naming its key under {@code sweep.grid}.
   */
  static List<GridEntry> from(
      Config s, ConfigProblems problems, String include, String exclude, boolean normalityGate) {
    Config grid = s.getConfig("grid");
    ConfigProblems keys = problems.at("grid");
    PruneSpec none = new PruneSpec(List.of(), include, exclude, normalityGate);
    List<GridEntry> specs = new ArrayList<>();
    if (grid.getBoolean("baseline")) {
      specs.add(new GridEntry(none, null));
    }
    for (PruneType type : PruneType.values()) {
      if (type == PruneType.NONE) {
        continue;
      }
      for (double v : grid.getDoubleList(type.name())) {
        try {
          specs.add(
              new GridEntry(
                  new PruneSpec(List.of(new PruneStep(type, v)), include, exclude, normalityGate),
                  null));
        } catch (IllegalArgumentException e) {
          keys.add(type.name(), full -> full + ": " + e.getMessage());
        }
      }
    }
    for (double v : grid.getDoubleList(ClampSpec.KIND)) {
      try {
        specs.add(new GridEntry(none, new ClampSpec(v)));
      } catch (IllegalArgumentException e) {
        keys.add(ClampSpec.KIND, full -> full + ": " + e.getMessage());
      }
    }
    for (String c : grid.getStringList("composite")) {
      try {
        specs.add(parse(c, include, exclude, normalityGate));
      } catch (IllegalArgumentException e) {
        keys.add("composite", full -> full + " entry '" + c + "': " + e.getMessage());
      }
    }
    Set<String> seen = new LinkedHashSet<>();
    Set<String> twice = new LinkedHashSet<>();
    for (GridEntry spec : specs) {
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
   * The config of a composite: its weight steps ({@link #parseSteps}) as a spec with these filters
   * and gate, and its {@code A} step, if any, as the clamp; at most one step per kind. A problem
   * names the steps as written, A included, in the order written.
   *
   * @throws IllegalArgumentException naming the step at fault
   */
  static GridEntry parse(String text, String include, String exclude, boolean normalityGate) {
    List<Step> parsed = parseSteps(text);
    List<PruneStep> steps = new ArrayList<>();
    ClampSpec clamp = null;
    Set<String> kinds = new LinkedHashSet<>();
    for (Step step : parsed) {
      if (!kinds.add(step.kind())) {
        throw new IllegalArgumentException(
            "duplicate prune step type "
                + step.kind()
                + " in "
                + parsed
                + " (at most one step per type)");
      }
      if (step.clamp() != null) {
        clamp = step.clamp();
      } else {
        steps.add(step.weights());
      }
    }
    try {
      return new GridEntry(new PruneSpec(steps, include, exclude, normalityGate), clamp);
    } catch (IllegalArgumentException e) {
      // The spec names its weight steps; name the steps as written, the clamp's included.
      throw new IllegalArgumentException(
          e.getMessage().replace(steps.toString(), parsed.toString()), e);
    }
  }

  /**
   * A {@code TYPE=VALUE} part of a composite: a weight step or the clamp.
   *
   * @param weights the weight step, or null for the clamp
   * @param clamp the clamp, or null for a weight step
   */
  record Step(PruneStep weights, ClampSpec clamp) {
    String kind() {
      return clamp != null ? ClampSpec.KIND : weights.type().name();
    }

    /** As a {@link PruneStep} prints, the clamp too: {@code PruneStep[type=A, value=3.0]}. */
    @Override
    public String toString() {
      return clamp != null
          ? "PruneStep[type=" + ClampSpec.KIND + ", value=" + clamp.multiple() + "]"
          : weights.toString();
    }
  }

  /**
   * Parses {@code TYPE=VALUE[+TYPE=VALUE...]}, e.g. {@code "E=0.01+R=0.001"} or {@code
   * "L1G=0.5+QC=8"}: exactly that grammar, whitespace around each part allowed; an empty step (a
   * leading, trailing or doubled {@code +}) is refused with the offending text, not dropped.
   *
   * @throws IllegalArgumentException naming the part that is not {@code TYPE=VALUE}
   */
  static List<Step> parseSteps(String text) {
    List<Step> steps = new ArrayList<>();
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
      String kind = kind(kv[0].trim());
      steps.add(
          ClampSpec.KIND.equals(kind)
              ? new Step(null, new ClampSpec(value))
              : new Step(new PruneStep(PruneType.valueOf(kind), value), null));
    }
    return steps;
  }

  /**
   * The grid kind named, case-insensitively: a {@link PruneType}'s name or {@code A}.
   *
   * @throws IllegalArgumentException naming the allowed kinds
   */
  private static String kind(String name) {
    String key = name.toUpperCase(Locale.ROOT);
    if (ClampSpec.KIND.equals(key)) {
      return key;
    }
    try {
      return PruneType.parse(key).name();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "prune type must be one of "
              + Stream.concat(
                      Arrays.stream(PruneType.values()).map(Enum::name), Stream.of(ClampSpec.KIND))
                  .collect(Collectors.joining(", ", "[", "]"))
              + " (case-insensitive), got '"
              + name
              + "'");
    }
  }
}

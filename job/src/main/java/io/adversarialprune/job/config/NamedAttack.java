package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import io.adversarialprune.udfs.attack.AttackSpec;
import io.adversarialprune.udfs.attack.AttackType;
import io.adversarialprune.udfs.config.ConfigProblems;
import io.adversarialprune.udfs.model.ClampGradient;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One entry of {@code sweep.attacks}: an attack, the name its results carry in the {@code attack}
 * column of every table, and the gradient it gets through a feature-map clamp (grid kind A).
 *
 * @param name the entry's {@code name}, by default its type
 * @param spec the attack
 * @param clampGradient the entry's {@code clamp-gradient}: {@code exact} (the default) or {@code
 *     straight-through} (BPDA); it matters only for configs with a clamp
 */
public record NamedAttack(String name, AttackSpec spec, ClampGradient clampGradient)
    implements Serializable {

  /** The entry's key that chooses the gradient through a feature-map clamp. */
  public static final String CLAMP_GRADIENT = "clamp-gradient";

  /** An attack with the clamp's exact gradient. */
  public NamedAttack(String name, AttackSpec spec) {
    this(name, spec, ClampGradient.EXACT);
  }

  /** {@code exact} or {@code straight-through}: how the key spells the value. */
  public static String configName(ClampGradient gradient) {
    return gradient == ClampGradient.EXACT ? "exact" : "straight-through";
  }

  /**
   * {@code sweep.attacks} of {@code s}, the {@code sweep} block: each entry is its type's keys,
   * each one it does not set taken from the shared {@code sweep.attack} block. Every problem goes
   * to {@code problems}, the view of {@code sweep}, under the key where the value came from: a
   * shared value's problem is reported once, under {@code sweep.attack}, however many entries
   * inherit it.
   */
  static List<NamedAttack> listFrom(Config s, ConfigProblems problems) {
    List<? extends Config> entries;
    try {
      entries = s.getConfigList("attacks");
    } catch (ConfigException.WrongType e) {
      problems.add("attacks", "must be a list of attack objects, e.g. [ { type = \"pgd-linf\" } ]");
      return null;
    }
    Config shared = s.getConfig("attack").withoutPath("batch-size");
    ConfigProblems sharedProblems = once(problems.at("attack"));
    List<NamedAttack> out = new ArrayList<>();
    if (entries.isEmpty()) {
      problems.add("attacks", "must list at least one attack");
    }
    for (int i = 0; i < entries.size(); i++) {
      Config e = entries.get(i);
      ConfigProblems at = problems.at("attacks[" + i + "]");
      if (!e.hasPath("type") || e.getValue("type").valueType() != ConfigValueType.STRING) {
        at.add("type", "must name the attack, one of " + AttackType.types());
        continue;
      }
      String type = e.getString("type");
      AttackType attackType = AttackType.of(type);
      if (attackType == null) {
        at.add("type", "must be one of " + AttackType.types() + ", got '" + type + "'");
        continue;
      }
      String name = type;
      if (e.hasPath("name")) {
        try {
          String given = ConfigTypes.checkName(e.getString("name"), "name", at);
          name = given == null ? name : given;
        } catch (ConfigException ex) {
          at.add("name", "must be a string");
        }
      }
      ClampGradient clampGradient = ClampGradient.EXACT;
      if (e.hasPath(CLAMP_GRADIENT)) {
        Object value = e.getValue(CLAMP_GRADIENT).unwrapped();
        if (value.equals("straight-through")) {
          clampGradient = ClampGradient.STRAIGHT_THROUGH;
        } else if (!value.equals("exact")) {
          at.add(CLAMP_GRADIENT, "must be exact or straight-through, got '" + value + "'");
        }
      }
      if (name.equals("worst-case")) {
        at.add("name", "'worst-case' is reserved for the metrics over all attacks");
      }
      Config inherited = ConfigFactory.empty();
      for (String key : attackType.keys()) {
        if (!e.hasPath(key) && shared.hasPath(key)) {
          inherited = inherited.withValue(key, shared.getValue(key));
        }
      }
      Set<String> fromShared = inherited.root().keySet();
      Config merged = e.withoutPath("name").withoutPath(CLAMP_GRADIENT).withFallback(inherited);
      AttackSpec spec =
          AttackSpecReader.read(
              merged,
              (key, line) -> (fromShared.contains(key) ? sharedProblems : at).add(key, line));
      if (spec != null) {
        out.add(new NamedAttack(name, spec, clampGradient));
      }
    }
    List<String> names = out.stream().map(NamedAttack::name).toList();
    if (names.stream().distinct().count() != names.size()) {
      problems.add("attacks", "names must be unique (name defaults to the type), got " + names);
    }
    return List.copyOf(out);
  }

  /** {@code problems} without repeats: a problem whose line it has already had is dropped. */
  private static ConfigProblems once(ConfigProblems problems) {
    Set<String> seen = new HashSet<>();
    return (key, line) -> {
      if (seen.add(line.apply(key))) {
        problems.add(key, line);
      }
    };
  }
}

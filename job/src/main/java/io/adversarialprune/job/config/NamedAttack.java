package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import io.adversarialprune.udfs.attack.AttackSpec;
import io.adversarialprune.udfs.model.ClampGradient;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
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
   * {@code sweep.attacks}: each entry is its type's keys, each one it does not set taken from the
   * shared {@code sweep.attack} block; problems name the key where the value came from.
   */
  static List<NamedAttack> listFrom(Config s) {
    List<? extends Config> entries;
    try {
      entries = s.getConfigList("attacks");
    } catch (ConfigException.WrongType e) {
      throw new IllegalArgumentException(
          "sweep.attacks must be a list of attack objects, e.g. [ { type = \"pgd-linf\" } ]");
    }
    Config shared = s.getConfig("attack").withoutPath("batch-size");
    Set<String> errors = new LinkedHashSet<>();
    List<NamedAttack> out = new ArrayList<>();
    if (entries.isEmpty()) {
      errors.add("sweep.attacks must list at least one attack");
    }
    for (int i = 0; i < entries.size(); i++) {
      Config e = entries.get(i);
      String at = "sweep.attacks[" + i + "]";
      if (!e.hasPath("type") || e.getValue("type").valueType() != ConfigValueType.STRING) {
        errors.add(at + ".type must name the attack, one of " + AttackSpec.TYPES);
        continue;
      }
      String type = e.getString("type");
      List<String> keys = AttackSpec.keys(type);
      if (keys == null) {
        errors.add(at + ".type must be one of " + AttackSpec.TYPES + ", got '" + type + "'");
        continue;
      }
      String name = type;
      if (e.hasPath("name")) {
        try {
          name = ConfigTypes.checkName(e.getString("name"), at + ".name");
        } catch (RuntimeException ex) {
          errors.add(
              ex instanceof ConfigException ? at + ".name must be a string" : ex.getMessage());
        }
      }
      ClampGradient clampGradient = ClampGradient.EXACT;
      if (e.hasPath(CLAMP_GRADIENT)) {
        Object value = e.getValue(CLAMP_GRADIENT).unwrapped();
        if (value.equals("straight-through")) {
          clampGradient = ClampGradient.STRAIGHT_THROUGH;
        } else if (!value.equals("exact")) {
          errors.add(
              at
                  + "."
                  + CLAMP_GRADIENT
                  + " must be exact or straight-through, got '"
                  + value
                  + "'");
        }
      }
      if (name.equals("worst-case")) {
        errors.add(at + ".name 'worst-case' is reserved for the metrics over all attacks");
      }
      Config inherited = ConfigFactory.empty();
      for (String key : keys) {
        if (!key.equals("type") && shared.hasPath(key)) {
          inherited = inherited.withValue(key, shared.getValue(key));
        }
      }
      Config merged = e.withoutPath("name").withoutPath(CLAMP_GRADIENT).withFallback(inherited);
      try {
        out.add(new NamedAttack(name, AttackSpec.from(merged, at), clampGradient));
      } catch (ConfigException ex) {
        errors.add(inherited(ConfigTypes.withoutOrigin(ex.getMessage()), e, at, shared));
      } catch (IllegalArgumentException ex) {
        for (String problem : ex.getMessage().split("; (?=sweep\\.)")) {
          errors.add(inherited(problem, e, at, shared));
        }
      }
    }
    List<String> names = out.stream().map(NamedAttack::name).toList();
    if (names.stream().distinct().count() != names.size()) {
      errors.add("sweep.attacks names must be unique (name defaults to the type), got " + names);
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return List.copyOf(out);
  }

  /** Names the shared block's key in a problem with a value the entry did not set itself. */
  private static String inherited(String problem, Config entry, String at, Config shared) {
    String out = problem;
    for (String key : shared.root().keySet()) {
      if (!entry.hasPath(key)) {
        out = out.replace(at + "." + key, "sweep.attack." + key);
      }
    }
    return out;
  }
}

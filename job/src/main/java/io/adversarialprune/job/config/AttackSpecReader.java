package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.adversarialprune.udfs.attack.AttackSpec;
import io.adversarialprune.udfs.attack.AttackType;
import io.adversarialprune.udfs.config.ConfigProblems;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Reads one attack entry: its {@code type}, then every key of that type ({@link AttackType#keys()})
 * by the type of its record component, into the spec that {@link AttackType#make} checks. Every
 * problem is reported, each key at most once (its first problem): a key that cannot be read is read
 * as a neutral value, so that the record's checks of the other keys still run, but is not reported
 * again as out of range. Keys that the type does not take are problems too (a misspelt or misplaced
 * key would otherwise be silently ignored), reported and not read further. Not thread-safe; one per
 * entry.
 */
final class AttackSpecReader {
  private final Config entry;
  private final ConfigProblems problems;
  private final Set<String> failed = new HashSet<>();

  private AttackSpecReader(Config entry, ConfigProblems problems) {
    this.entry = entry;
    this.problems = problems;
  }

  /**
   * The spec of {@code entry} (defaults already merged by the caller), or null, with every problem
   * reported to {@code problems} under its bare key.
   */
  static AttackSpec read(Config entry, ConfigProblems problems) {
    return new AttackSpecReader(entry, problems).read();
  }

  private AttackSpec read() {
    String name = string(AttackType.TYPE_KEY);
    if (name == null) {
      return null;
    }
    AttackType type = AttackType.of(name);
    if (type == null) {
      problem(
          AttackType.TYPE_KEY,
          "must be one of " + String.join(", ", AttackType.types()) + ", got \"" + name + "\"");
      return null;
    }
    List<String> keys = type.keys();
    entry.root().keySet().stream()
        .sorted()
        .filter(k -> !keys.contains(k))
        .forEach(
            k ->
                problem(
                    k,
                    "is not a key of type "
                        + name
                        + " (its keys: "
                        + String.join(", ", keys)
                        + ")"));
    Map<String, Object> values = new LinkedHashMap<>();
    for (String key : keys) {
      Class<?> kind = type.valueType(key);
      if (kind != null) {
        values.put(key, value(key, kind));
      }
    }
    AttackSpec spec = type.make(values, this::problem);
    return failed.isEmpty() ? spec : null;
  }

  /** Reports a problem of {@code key}; a key that already has one keeps only its first. */
  private void problem(String key, UnaryOperator<String> line) {
    if (failed.add(key)) {
      problems.add(key, line);
    }
  }

  private void problem(String key, String message) {
    problem(key, full -> full + " " + message);
  }

  /** The value of {@code key} as a {@code kind}: String, double, int or boolean. */
  private Object value(String key, Class<?> kind) {
    if (kind == String.class) {
      return string(key);
    } else if (kind == double.class) {
      return number(key);
    } else if (kind == int.class) {
      return integer(key);
    } else if (kind == boolean.class) {
      return bool(key);
    }
    throw new IllegalStateException("no reader for " + kind + " (key " + key + ")");
  }

  /** The string; null, with the problem reported, when it is missing or not a string. */
  private String string(String key) {
    return value(key, "a string", entry::getString, null);
  }

  /** The number; NaN, with the problem reported, when it is missing or not a number. */
  private double number(String key) {
    return value(key, "a number", entry::getDouble, Double.NaN);
  }

  /** The integer; 0, with the problem reported, when it is missing or not an int. */
  private int integer(String key) {
    double value = number(key);
    if (Double.isNaN(value)) {
      return 0;
    }
    Number raw = entry.getNumber(key);
    boolean integral =
        (raw instanceof Integer || raw instanceof Long)
            && raw.longValue() >= Integer.MIN_VALUE
            && raw.longValue() <= Integer.MAX_VALUE;
    if (!integral) {
      problem(key, "must be an integer, got " + raw);
      return 0;
    }
    return raw.intValue();
  }

  /** The boolean; false, with the problem reported, when it is missing or not a boolean. */
  private boolean bool(String key) {
    return value(key, "a boolean", entry::getBoolean, false);
  }

  /** {@code get(key)}; {@code fallback}, with the problem reported, when missing or mistyped. */
  private <T> T value(String key, String kind, Function<String, T> get, T fallback) {
    if (!entry.hasPath(key)) {
      problem(key, "is missing");
      return fallback;
    }
    try {
      return get.apply(key);
    } catch (ConfigException.WrongType ex) {
      problem(key, "must be " + kind + ", got " + entry.getValue(key).valueType());
      return fallback;
    }
  }
}

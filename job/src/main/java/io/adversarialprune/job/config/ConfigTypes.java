package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import io.adversarialprune.job.results.ResultsLayout;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The general HOCON checks of a sweep config, before its blocks are read: unknown keys, and a typed
 * read of every key that {@code reference.conf} declares, so that every message names the full key
 * (e.g. {@code sweep.attack.eps}) and a value of the wrong type is reported once.
 */
final class ConfigTypes {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private ConfigTypes() {}

  static void findUnknownKeys(Config user, Config reference, List<String> problems) {
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith("sweep.")) {
        problems.add("unknown key " + key + " (every key lives under sweep.)");
        continue;
      }
      if (key.startsWith("sweep.transfer") || key.startsWith("sweep.attacks")) {
        continue; // a list of objects, checked entry by entry
      }
      if (!reference.hasPathOrNull(key)) {
        problems.add("unknown key " + key);
      }
    }
  }

  /**
   * Keys read as 64-bit integers; every other key whose default is an integer is read as a 32-bit
   * one.
   */
  private static final Set<String> LONG_KEYS =
      Set.of("sweep.data.limit", "sweep.engine.shard-cache-mb", "sweep.seeds");

  static void checkTypes(
      Config config, Config reference, List<String> problems, Set<String> badTypes) {
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      String path = e.getKey();
      if (!path.startsWith("sweep.")
          || path.equals("sweep.transfer")
          || path.equals("sweep.attacks")
          || badTypes.stream().anyMatch(b -> path.equals(b) || path.startsWith(b + "."))) {
        continue; // reported by checkValid already
      }
      String problem;
      try {
        problem =
            switch (e.getValue().valueType()) {
              case NUMBER ->
                  e.getValue().unwrapped() instanceof Double
                      ? checkDouble(config, path)
                      : integerProblem(path, config.getNumber(path), LONG_KEYS.contains(path));
              case BOOLEAN -> checkBoolean(config, path);
              case STRING -> checkString(config, path);
              case LIST -> checkListType(config, path);
              default -> null;
            };
      } catch (ConfigException ex) {
        problem = withoutOrigin(ex.getMessage());
      }
      if (problem != null) {
        problems.add(problem);
        badTypes.add(path);
      }
    }
  }

  private static String checkDouble(Config config, String path) {
    config.getDouble(path);
    return null;
  }

  private static String checkBoolean(Config config, String path) {
    config.getBoolean(path);
    return null;
  }

  private static String checkString(Config config, String path) {
    config.getString(path);
    return null;
  }

  private static String checkListType(Config config, String path) {
    if (path.endsWith(".composite")) {
      config.getStringList(path);
    } else if (path.equals("sweep.seeds")) {
      List<Number> values = config.getNumberList(path);
      for (int i = 0; i < values.size(); i++) {
        String problem = integerProblem(path + "[" + i + "]", values.get(i), true);
        if (problem != null) {
          return problem;
        }
      }
    } else {
      config.getDoubleList(path);
    }
    return null;
  }

  /**
   * Why {@code value} is not an integer of the key's width, or null: Typesafe Config's getInt and
   * getLong truncate 2.5 to 2 without a word, and their range errors name the key without its
   * block.
   */
  static String integerProblem(String key, Number value, boolean wide) {
    double d = value.doubleValue();
    boolean integral =
        value instanceof Integer
            || value instanceof Long
            || (d == Math.rint(d) && !Double.isInfinite(d));
    if (!integral) {
      return key + " must be an integer, got " + value;
    }
    boolean fits =
        wide
            ? value instanceof Long || value instanceof Integer || (d >= -0x1p63 && d < 0x1p63)
            : value.longValue() >= Integer.MIN_VALUE
                && value.longValue() <= Integer.MAX_VALUE
                && d >= Integer.MIN_VALUE
                && d <= Integer.MAX_VALUE;
    if (!fits) {
      return key
          + " must be a "
          + (wide ? "64" : "32")
          + "-bit integer (at most "
          + (wide ? Long.MAX_VALUE : Integer.MAX_VALUE)
          + "), got "
          + value;
    }
    return null;
  }

  /** "String: 1: sweep.x has type..." -> "sweep.x has type...": the origin of --set is noise. */
  static String withoutOrigin(String message) {
    int i = message.indexOf("sweep.");
    return i > 0 ? message.substring(i) : message;
  }

  /** {@code value} if it is a name that is safe in paths, else a problem naming {@code key}. */
  static String checkName(String value, String key) {
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          key + " must be letters, digits, '.', '_' or '-' (used in paths), got '" + value + "'");
    }
    if (value.length() > ResultsLayout.MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          key
              + " must be at most "
              + ResultsLayout.MAX_NAME_LENGTH
              + " characters (used in paths), got "
              + value.length());
    }
    return value;
  }

  static float[] floats(List<Double> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).floatValue();
    }
    return out;
  }
}

package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.udfs.config.ConfigProblems;
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

  /** Reports each key of {@code user} that {@code reference} does not have, by its full key. */
  static void findUnknownKeys(Config user, Config reference, ConfigProblems problems) {
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith("sweep.")) {
        problems.add(key, full -> "unknown key " + full + " (every key lives under sweep.)");
        continue;
      }
      if (key.startsWith("sweep.transfer") || key.startsWith("sweep.attacks")) {
        continue; // a list of objects, checked entry by entry
      }
      if (!reference.hasPathOrNull(key)) {
        problems.add(key, full -> "unknown key " + full);
      }
    }
  }

  /**
   * Keys read as 64-bit integers; every other key whose default is an integer is read as a 32-bit
   * one.
   */
  private static final Set<String> LONG_KEYS =
      Set.of("sweep.data.limit", "sweep.engine.shard-cache-mb", "sweep.seeds");

  /**
   * Reads every key that {@code reference} declares by its type there, reporting each that cannot
   * be read by its full key; {@code badTypes} gets those keys (and holds the ones already reported,
   * which are skipped with everything under them).
   */
  static void checkTypes(
      Config config, Config reference, ConfigProblems problems, Set<String> badTypes) {
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      String path = e.getKey();
      if (!path.startsWith("sweep.")
          || path.equals("sweep.transfer")
          || path.equals("sweep.attacks")
          || badTypes.stream().anyMatch(b -> path.equals(b) || path.startsWith(b + "."))) {
        continue; // reported by checkValid already
      }
      ConfigProblems typeProblem =
          (key, line) -> {
            problems.add(key, line);
            badTypes.add(path);
          };
      try {
        switch (e.getValue().valueType()) {
          case NUMBER -> {
            if (e.getValue().unwrapped() instanceof Double) {
              config.getDouble(path);
            } else {
              checkInteger(path, config.getNumber(path), LONG_KEYS.contains(path), typeProblem);
            }
          }
          case BOOLEAN -> config.getBoolean(path);
          case STRING -> config.getString(path);
          case LIST -> checkListType(config, path, typeProblem);
          default -> {}
        }
      } catch (ConfigException ex) {
        typeProblem.add(path, full -> withoutOrigin(ex.getMessage()));
      }
    }
  }

  private static void checkListType(Config config, String path, ConfigProblems problems) {
    if (path.endsWith(".composite")) {
      config.getStringList(path);
    } else if (path.equals("sweep.seeds")) {
      List<Number> values = config.getNumberList(path);
      for (int i = 0; i < values.size(); i++) {
        if (!checkInteger(path + "[" + i + "]", values.get(i), true, problems)) {
          return;
        }
      }
    } else {
      config.getDoubleList(path);
    }
  }

  /**
   * Whether {@code value} is an integer of the key's width, else reports why: Typesafe Config's
   * getInt and getLong truncate 2.5 to 2 without a word, and their range errors name the key
   * without its block.
   */
  private static boolean checkInteger(
      String key, Number value, boolean wide, ConfigProblems problems) {
    double d = value.doubleValue();
    boolean integral =
        value instanceof Integer
            || value instanceof Long
            || (d == Math.rint(d) && !Double.isInfinite(d));
    if (!integral) {
      problems.add(key, "must be an integer, got " + value);
      return false;
    }
    boolean fits =
        wide
            ? value instanceof Long || value instanceof Integer || (d >= -0x1p63 && d < 0x1p63)
            : value.longValue() >= Integer.MIN_VALUE
                && value.longValue() <= Integer.MAX_VALUE
                && d >= Integer.MIN_VALUE
                && d <= Integer.MAX_VALUE;
    if (!fits) {
      problems.add(
          key,
          "must be a "
              + (wide ? "64" : "32")
              + "-bit integer (at most "
              + (wide ? Long.MAX_VALUE : Integer.MAX_VALUE)
              + "), got "
              + value);
      return false;
    }
    return true;
  }

  /** "String: 1: sweep.x has type..." -> "sweep.x has type...": the origin of --set is noise. */
  static String withoutOrigin(String message) {
    int i = message.indexOf("sweep.");
    return i > 0 ? message.substring(i) : message;
  }

  /** {@code value} if it is a name that is safe in paths, else null, its problem reported. */
  static String checkName(String value, String key, ConfigProblems problems) {
    if (!NAME.matcher(value).matches()) {
      problems.add(
          key, "must be letters, digits, '.', '_' or '-' (used in paths), got '" + value + "'");
      return null;
    }
    if (value.length() > ResultsLayout.MAX_NAME_LENGTH) {
      problems.add(
          key,
          "must be at most "
              + ResultsLayout.MAX_NAME_LENGTH
              + " characters (used in paths), got "
              + value.length());
      return null;
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

package io.adversarialprune.udfs.attack;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads one attack entry key by key and collects every problem instead of stopping at the first;
 * also the sink the specs' validations write to. Not thread-safe; one per {@link AttackSpec#from}.
 */
final class SpecReader {

  /** Where validations report: {@code key} is the bare key name, e.g. {@code "eps"}. */
  interface Problems {
    void add(String key, String message);
  }

  private final Config config;
  private final String path;
  private final List<String> problems = new ArrayList<>();
  private final Set<String> failed = new LinkedHashSet<>();

  SpecReader(Config config, String path) {
    this.config = config;
    this.path = path;
  }

  /** Records a problem of {@code key}; a key that already has one keeps only its first. */
  void problem(String key, String message) {
    if (failed.add(key)) {
      problems.add(path + "." + key + " " + message);
    }
  }

  /** The sink for a spec's validation. */
  Problems sink() {
    return this::problem;
  }

  boolean ok() {
    return problems.isEmpty();
  }

  IllegalArgumentException failure() {
    return new IllegalArgumentException(String.join("; ", problems));
  }

  /** Records a problem for every key of the entry that is not in {@code allowed}. */
  void onlyKeys(String type, List<String> allowed) {
    config.root().keySet().stream()
        .sorted()
        .filter(k -> !allowed.contains(k))
        .forEach(
            k ->
                problem(
                    k,
                    "is not a key of type "
                        + type
                        + " (its keys: "
                        + String.join(", ", allowed)
                        + ")"));
  }

  /** The string; null, with the problem recorded, when it is missing or not a string. */
  String string(String key) {
    return value(key, "a string", config::getString, null);
  }

  /** The number; NaN, with the problem recorded, when it is missing or not a number. */
  double number(String key) {
    return value(key, "a number", config::getDouble, Double.NaN);
  }

  /** The integer; 0, with the problem recorded, when it is missing or not an int. */
  int integer(String key) {
    double value = number(key);
    if (Double.isNaN(value)) {
      return 0;
    }
    Number raw = config.getNumber(key);
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

  /** The boolean; false, with the problem recorded, when it is missing or not a boolean. */
  boolean bool(String key) {
    return value(key, "a boolean", config::getBoolean, false);
  }

  /** {@code get(key)}; {@code fallback}, with the problem recorded, when missing or mistyped. */
  private <T> T value(String key, String kind, Function<String, T> get, T fallback) {
    if (!config.hasPath(key)) {
      problem(key, "is missing");
      return fallback;
    }
    try {
      return get.apply(key);
    } catch (ConfigException.WrongType ex) {
      problem(key, "must be " + kind + ", got " + config.getValue(key).valueType());
      return fallback;
    }
  }

  /**
   * Runs a record's {@code checks} for its compact constructor: one {@link
   * IllegalArgumentException} with every problem, keys named {@code type.key}.
   */
  static void require(String type, Consumer<Problems> checks) {
    List<String> messages = new ArrayList<>();
    checks.accept((key, message) -> messages.add(type + "." + key + " " + message));
    if (!messages.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", messages));
    }
  }

  /** The checks every type shares. */
  static void checkEps(double eps, Problems problems) {
    if (!(eps > 0 && eps <= 1)) {
      problems.add("eps", "must be in (0, 1], got " + eps);
    }
  }

  /**
   * An L2 radius: any finite positive value (a 224 x 224 x 3 image spans an L2 diameter of 388 in
   * [0, 1] pixel space; ImageNet attacks commonly take 3).
   */
  static void checkL2Eps(double eps, Problems problems) {
    if (!(eps > 0) || Double.isInfinite(eps)) {
      problems.add("eps", "must be > 0 (an L2 radius in [0, 1] pixel space), got " + eps);
    }
  }

  static void checkAlpha(double alpha, Problems problems) {
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      problems.add("alpha", "must be > 0, got " + alpha);
    }
  }

  static void checkAtLeastOne(String key, int value, Problems problems) {
    if (value < 1) {
      problems.add(key, "must be >= 1, got " + value);
    }
  }

  /** Plain decimal without trailing zeros: 0.03, 1, 0.0001. */
  static String number(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  /** The label's tail: the options that are on, in key order. */
  static String flags(boolean randomStart, boolean round8bit, boolean earlyStop) {
    return (randomStart ? " random-start" : "")
        + (round8bit ? " round-8bit" : "")
        + (earlyStop ? " early-stop" : "");
  }
}

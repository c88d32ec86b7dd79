package io.adversarialprune.udfs.attack;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.IntStream;

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

  /**
   * The record {@code type} made from the entry: {@code given} are its first components, and each
   * further component is read from the key at the same place in {@code keys} after {@code type} (a
   * String, double, int or boolean, read in order), then validated by the record's constructor, the
   * one place its values are checked. Null, with every problem recorded, when a key could not be
   * read or the record rejects a value; the record's checks run on the values read even then, so
   * that the entry's problems are all reported at once.
   */
  <T extends Record> T read(Class<T> type, List<String> keys, Object... given) {
    RecordComponent[] components = type.getRecordComponents();
    if (components.length != given.length + keys.size() - 1) {
      throw new IllegalStateException(type + " has no component for each of the keys " + keys);
    }
    Class<?>[] types = new Class<?>[components.length];
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      values[i] = i < given.length ? given[i] : read(keys.get(i - given.length + 1), types[i]);
    }
    try {
      T spec = type.getDeclaredConstructor(types).newInstance(values);
      return ok() ? spec : null;
    } catch (InvocationTargetException e) {
      if (!(e.getCause() instanceof Invalid invalid)) {
        throw new IllegalStateException("Failed to make " + type.getSimpleName(), e.getCause());
      }
      for (int i = 0; i < invalid.keys.size(); i++) {
        problem(invalid.keys.get(i), invalid.messages.get(i));
      }
      return null;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Failed to make " + type.getSimpleName(), e);
    }
  }

  /** The value of {@code key} as a {@code kind}: String, double, int or boolean. */
  private Object read(String key, Class<?> kind) {
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
    List<String> keys = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    checks.accept(
        (key, message) -> {
          keys.add(key);
          messages.add(message);
        });
    if (!keys.isEmpty()) {
      throw new Invalid(type, keys, messages);
    }
  }

  /**
   * A record's problems, as {@link #require} found them: the message names each key as {@code
   * type.key}; a reader reports them again under its own path.
   */
  static final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> keys;
    private final transient List<String> messages;

    Invalid(String type, List<String> keys, List<String> messages) {
      super(
          String.join(
              "; ",
              IntStream.range(0, keys.size())
                  .mapToObj(i -> type + "." + keys.get(i) + " " + messages.get(i))
                  .toList()));
      this.keys = List.copyOf(keys);
      this.messages = List.copyOf(messages);
    }
  }

  /** The allowed values of a {@code norm} key. */
  static final List<String> NORMS = List.of("linf", "l2");

  /** A {@code norm}, one of {@link #NORMS}, and an {@code eps} valid for that norm. */
  static void checkNormEps(String norm, double eps, Problems problems) {
    if (norm != null && !NORMS.contains(norm)) {
      problems.add("norm", "must be one of " + String.join(", ", NORMS) + ", got \"" + norm + "\"");
    } else if ("l2".equals(norm)) {
      checkL2Eps(eps, problems);
    } else {
      checkEps(eps, problems);
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

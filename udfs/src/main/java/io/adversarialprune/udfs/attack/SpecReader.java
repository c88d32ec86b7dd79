package io.adversarialprune.udfs.attack;

import io.adversarialprune.udfs.config.ConfigProblems;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * Makes an attack record from its values by component name, and holds what the records share for
 * that: how each record checks its values ({@link #require}, the one place they are checked) and
 * reports them by key, the checks several records make, and the parts of their labels. Stateless.
 */
final class SpecReader {
  private SpecReader() {}

  /**
   * The key of a record component: its name in kebab case, a {@code -} before each upper-case
   * letter and before a digit that follows a letter ({@code pInit} is {@code p-init}, {@code
   * round8bit} is {@code round-8bit}).
   */
  static String key(String component) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < component.length(); i++) {
      char c = component.charAt(i);
      boolean digitAfterLetter =
          Character.isDigit(c) && i > 0 && Character.isLetter(component.charAt(i - 1));
      if (Character.isUpperCase(c) || digitAfterLetter) {
        out.append('-');
      }
      out.append(Character.toLowerCase(c));
    }
    return out.toString();
  }

  /** The keys of {@code record}'s components that {@code fixed} does not give, in their order. */
  static List<String> keys(Class<? extends Record> record, Map<String, ?> fixed) {
    return Arrays.stream(record.getRecordComponents())
        .map(RecordComponent::getName)
        .filter(name -> !fixed.containsKey(name))
        .map(SpecReader::key)
        .toList();
  }

  /**
   * The record {@code type} made by its canonical constructor: each component is {@code fixed}'s
   * value of its name, else {@code values}' value of its {@link #key}. The constructor checks them;
   * what it rejects is reported to {@code problems} by key, and the result is then null.
   *
   * @throws IllegalStateException when a value is missing or the constructor fails otherwise
   */
  static <T extends Record> T make(
      Class<T> type, Map<String, ?> fixed, Map<String, ?> values, ConfigProblems problems) {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] args = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      String name = components[i].getName();
      types[i] = components[i].getType();
      args[i] = fixed.containsKey(name) ? fixed.get(name) : values.get(key(name));
      if (args[i] == null && types[i].isPrimitive()) {
        throw new IllegalStateException(type.getSimpleName() + " needs a value of " + key(name));
      }
    }
    try {
      return type.getDeclaredConstructor(types).newInstance(args);
    } catch (InvocationTargetException e) {
      if (!(e.getCause() instanceof Invalid invalid)) {
        throw new IllegalStateException("Failed to make " + type.getSimpleName(), e.getCause());
      }
      invalid.reportTo(problems);
      return null;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Failed to make " + type.getSimpleName(), e);
    }
  }

  /**
   * Runs a record's {@code checks} for its compact constructor: one {@link
   * IllegalArgumentException} with every problem, keys named {@code type.key}.
   */
  static void require(String type, Consumer<ConfigProblems> checks) {
    List<String> keys = new ArrayList<>();
    List<UnaryOperator<String>> lines = new ArrayList<>();
    checks.accept(
        (key, line) -> {
          keys.add(key);
          lines.add(line);
        });
    if (!keys.isEmpty()) {
      throw new Invalid(type, keys, lines);
    }
  }

  /**
   * A record's problems, as {@link #require} found them: the message names each key as {@code
   * type.key}; {@link #make} reports them again, by key, to its caller's problems.
   */
  static final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> keys;
    private final transient List<UnaryOperator<String>> lines;

    Invalid(String type, List<String> keys, List<UnaryOperator<String>> lines) {
      super(
          String.join(
              "; ",
              IntStream.range(0, keys.size())
                  .mapToObj(i -> lines.get(i).apply(type + "." + keys.get(i)))
                  .toList()));
      this.keys = List.copyOf(keys);
      this.lines = List.copyOf(lines);
    }

    void reportTo(ConfigProblems problems) {
      for (int i = 0; i < keys.size(); i++) {
        problems.add(keys.get(i), lines.get(i));
      }
    }
  }

  /** The allowed values of a {@code norm} key. */
  static final List<String> NORMS = List.of("linf", "l2");

  /** A {@code norm}, one of {@link #NORMS}, and an {@code eps} valid for that norm. */
  static void checkNormEps(String norm, double eps, ConfigProblems problems) {
    if (norm != null && !NORMS.contains(norm)) {
      problems.add("norm", "must be one of " + String.join(", ", NORMS) + ", got \"" + norm + "\"");
    } else if ("l2".equals(norm)) {
      checkL2Eps(eps, problems);
    } else {
      checkEps(eps, problems);
    }
  }

  /** The checks every type shares. */
  static void checkEps(double eps, ConfigProblems problems) {
    if (!(eps > 0 && eps <= 1)) {
      problems.add("eps", "must be in (0, 1], got " + eps);
    }
  }

  /**
   * An L2 radius: any finite positive value (a 224 x 224 x 3 image spans an L2 diameter of 388 in
   * [0, 1] pixel space; ImageNet attacks commonly take 3).
   */
  static void checkL2Eps(double eps, ConfigProblems problems) {
    if (!(eps > 0) || Double.isInfinite(eps)) {
      problems.add("eps", "must be > 0 (an L2 radius in [0, 1] pixel space), got " + eps);
    }
  }

  static void checkAlpha(double alpha, ConfigProblems problems) {
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      problems.add("alpha", "must be > 0, got " + alpha);
    }
  }

  static void checkAtLeastOne(String key, int value, ConfigProblems problems) {
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

package io.adversarialprune.udfs.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The config spelling of an enum constant: its name in lower case with {@code -} for {@code _}
 * ({@code CHANNELS_LAST} is {@code channels-last}), and the parsing back. Stateless.
 */
public final class ConfigNames {
  private ConfigNames() {}

  /** {@code constant}'s config spelling. */
  public static String of(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The constant of {@code type} spelled {@code value}.
   *
   * @throws IllegalArgumentException naming {@code key} and the accepted values, in declaration
   *     order
   */
  public static <E extends Enum<E>> E parse(Class<E> type, String key, String value) {
    String[] problem = new String[1];
    E constant = parse(type, key, value, (k, line) -> problem[0] = line.apply(k));
    if (constant == null) {
      throw new IllegalArgumentException(problem[0]);
    }
    return constant;
  }

  /**
   * The constant of {@code type} spelled {@code value}, or null, with the problem reported under
   * {@code key}: the accepted values, in declaration order.
   */
  public static <E extends Enum<E>> E parse(
      Class<E> type, String key, String value, ConfigProblems problems) {
    for (E constant : type.getEnumConstants()) {
      if (of(constant).equals(value)) {
        return constant;
      }
    }
    problems.add(
        key,
        "must be one of "
            + Arrays.stream(type.getEnumConstants())
                .map(ConfigNames::of)
                .collect(Collectors.joining(", "))
            + ", got \""
            + value
            + "\"");
    return null;
  }
}

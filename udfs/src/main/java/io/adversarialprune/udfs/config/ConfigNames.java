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
    for (E constant : type.getEnumConstants()) {
      if (of(constant).equals(value)) {
        return constant;
      }
    }
    throw new IllegalArgumentException(
        key
            + " must be one of "
            + Arrays.stream(type.getEnumConstants())
                .map(ConfigNames::of)
                .collect(Collectors.joining(", "))
            + ", got \""
            + value
            + "\"");
  }
}

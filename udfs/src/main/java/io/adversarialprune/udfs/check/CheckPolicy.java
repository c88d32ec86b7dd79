package io.adversarialprune.udfs.check;

import io.adversarialprune.udfs.config.ConfigNames;

/** What a failed {@link EngineCheck} does to a run ({@code sweep.engine.check.mode}). */
public enum CheckPolicy {
  /** The executor refuses to attack: the run stops with exit 1 before the executor commits. */
  FAIL,
  /** The failure is logged and recorded in {@code engine_checks}; the run goes on. */
  WARN,
  /** No check runs. */
  OFF;

  /** The config spelling: {@code fail}, {@code warn} or {@code off}. */
  public String configName() {
    return ConfigNames.of(this);
  }

  /**
   * Parses a config value.
   *
   * @throws IllegalArgumentException naming {@code key} and the accepted values
   */
  public static CheckPolicy parse(String key, String value) {
    return ConfigNames.parse(CheckPolicy.class, key, value);
  }
}

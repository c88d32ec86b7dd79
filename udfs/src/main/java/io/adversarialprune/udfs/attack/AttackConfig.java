package io.adversarialprune.udfs.attack;

import com.typesafe.config.Config;

/**
 * The PGD attack settings, the {@code sweep.attack} block of the sweep's HOCON config. Defaults
 * live only in the job's {@code reference.conf}; this record has none. Immutable value.
 *
 * @param eps L-infinity radius in [0, 1] pixel space, in {@code (0, 1]} ({@code sweep.attack.eps})
 * @param alpha step size, {@code > 0} ({@code sweep.attack.alpha})
 * @param steps number of PGD steps, {@code >= 1} ({@code sweep.attack.steps})
 * @param randomStart start from {@code clamp(x + U(-eps, eps), 0, 1)} instead of {@code x} ({@code
 *     sweep.attack.random-start})
 * @param round8bit round the adversarial image to 8 bits, {@code round(255 x) / 255}, after the
 *     last step ({@code sweep.attack.round-8bit})
 * @param batchSize images per forward/backward pass, {@code >= 1} ({@code
 *     sweep.attack.batch-size}); results do not depend on it
 */
public record AttackConfig(
    double eps, double alpha, int steps, boolean randomStart, boolean round8bit, int batchSize) implements java.io.Serializable {

  /** Path of this block in the sweep config, used in validation messages. */
  public static final String PATH = "sweep.attack";

  /**
   * Validates every field; messages name the config key. All problems are reported at once, in
   * one message, separated by {@code "; "}.
   */
  public AttackConfig {
    java.util.List<String> problems = new java.util.ArrayList<>();
    if (!(eps > 0 && eps <= 1)) {
      problems.add(PATH + ".eps must be in (0, 1], got " + eps);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      problems.add(PATH + ".alpha must be > 0, got " + alpha);
    }
    if (steps < 1) {
      problems.add(PATH + ".steps must be >= 1, got " + steps);
    }
    if (batchSize < 1) {
      problems.add(PATH + ".batch-size must be >= 1, got " + batchSize);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  /**
   * Reads every key of the {@code sweep.attack} block: {@code eps}, {@code alpha}, {@code steps},
   * {@code random-start}, {@code round-8bit}, {@code batch-size}.
   *
   * @param attack the block itself, e.g. {@code root.getConfig("sweep.attack")}
   */
  public static AttackConfig from(Config attack) {
    return new AttackConfig(
        attack.getDouble("eps"),
        attack.getDouble("alpha"),
        attack.getInt("steps"),
        attack.getBoolean("random-start"),
        attack.getBoolean("round-8bit"),
        attack.getInt("batch-size"));
  }
}

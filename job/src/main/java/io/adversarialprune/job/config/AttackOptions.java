package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import io.adversarialprune.udfs.config.ConfigProblems;
import java.io.Serializable;

/**
 * {@code sweep.attack}: what every attack shares. (The block's other keys are the defaults every
 * entry of {@code sweep.attacks} inherits; they are read into each entry's {@link
 * io.adversarialprune.udfs.attack.AttackSpec}.)
 *
 * @param batchSize images per forward/backward pass ({@code sweep.attack.batch-size}); results do
 *     not depend on it
 */
public record AttackOptions(int batchSize) implements Serializable {
  /** Reads and validates the block; a problem goes to {@code problems}, the block's view. */
  static AttackOptions from(Config a, ConfigProblems problems) {
    int batchSize = a.getInt("batch-size");
    if (batchSize < 1) {
      problems.add("batch-size", "must be >= 1, got " + batchSize);
    }
    return new AttackOptions(batchSize);
  }
}

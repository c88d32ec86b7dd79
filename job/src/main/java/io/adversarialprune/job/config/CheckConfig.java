package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import io.adversarialprune.udfs.check.CheckPolicy;
import io.adversarialprune.udfs.check.EngineCheck;
import io.adversarialprune.udfs.config.ConfigNames;
import io.adversarialprune.udfs.config.ConfigProblems;
import java.io.Serializable;

/**
 * {@code sweep.engine.check}: the engine check every executor runs before it attacks.
 *
 * @param policy what a failed check does
 * @param settings the check's sample counts, step and tolerances
 */
public record CheckConfig(CheckPolicy policy, EngineCheck.Settings settings)
    implements Serializable {
  /**
   * Reads and validates the block; the settings' ranges are {@link EngineCheck.Settings#check}'s.
   * Every problem goes to the block's view; null if any.
   */
  static CheckConfig from(Config c, ConfigProblems block) {
    CountedProblems problems = new CountedProblems(block);
    CheckPolicy policy =
        ConfigNames.parse(CheckPolicy.class, "mode", c.getString("mode"), problems);
    int samples = c.getInt("samples");
    int directions = c.getInt("directions");
    double step = c.getDouble("step");
    double gradient = c.getDouble("gradient-tolerance");
    double logits = c.getDouble("logit-tolerance");
    EngineCheck.Settings.check(samples, directions, step, gradient, logits, problems);
    if (!problems.none()) {
      return null;
    }
    return new CheckConfig(
        policy, new EngineCheck.Settings(samples, directions, step, gradient, logits));
  }
}

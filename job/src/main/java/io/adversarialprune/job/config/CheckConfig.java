package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import io.adversarialprune.udfs.check.CheckPolicy;
import io.adversarialprune.udfs.check.EngineCheck;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code sweep.engine.check}: the engine check every executor runs before it attacks.
 *
 * @param policy what a failed check does
 * @param settings the check's sample counts, step and tolerances
 */
public record CheckConfig(CheckPolicy policy, EngineCheck.Settings settings)
    implements Serializable {
  /**
   * Reads and validates the block; the settings' ranges are {@link
   * EngineCheck.Settings#problems}'s, each named under {@code sweep.engine.check}.
   */
  static CheckConfig from(Config c) {
    String at = "sweep.engine.check.";
    List<String> errors = new ArrayList<>();
    CheckPolicy policy = null;
    try {
      policy = CheckPolicy.parse(at + "mode", c.getString("mode"));
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
    }
    int samples = c.getInt("samples");
    int directions = c.getInt("directions");
    double step = c.getDouble("step");
    double gradient = c.getDouble("gradient-tolerance");
    double logits = c.getDouble("logit-tolerance");
    for (String problem :
        EngineCheck.Settings.problems(samples, directions, step, gradient, logits)) {
      errors.add(at + problem);
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new CheckConfig(
        policy, new EngineCheck.Settings(samples, directions, step, gradient, logits));
  }
}

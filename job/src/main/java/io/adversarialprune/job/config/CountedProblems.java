package io.adversarialprune.job.config;

import io.adversarialprune.udfs.config.ConfigProblems;
import java.util.function.UnaryOperator;

/**
 * A view that passes every problem on and counts them, for a reader that must not build its value
 * from values it has reported (a constructor would refuse them again). Not thread-safe.
 */
final class CountedProblems implements ConfigProblems {
  private final ConfigProblems to;
  private int count;

  CountedProblems(ConfigProblems to) {
    this.to = to;
  }

  @Override
  public void add(String key, UnaryOperator<String> line) {
    count++;
    to.add(key, line);
  }

  /** Whether no problem has been added through this view. */
  boolean none() {
    return count == 0;
  }
}

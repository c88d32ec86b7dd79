package io.adversarialprune.job.config;

import io.adversarialprune.udfs.config.ConfigProblems;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The problems of one sweep config, in the order found: the root that every block reader's view
 * ({@link #at}) adds to. Keys added here are full keys. Not thread-safe; one per config read.
 */
final class ProblemList implements ConfigProblems {
  private final List<Problem> problems = new ArrayList<>();

  @Override
  public void add(String key, UnaryOperator<String> line) {
    problems.add(new Problem(key, line.apply(key)));
  }

  int size() {
    return problems.size();
  }

  boolean isEmpty() {
    return problems.isEmpty();
  }

  List<Problem> problems() {
    return List.copyOf(problems);
  }

  /** Throws them all as one {@link InvalidConfigException}, if there are any. */
  void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
  }
}

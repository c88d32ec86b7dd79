package io.adversarialprune.udfs.config;

import java.util.function.UnaryOperator;

/**
 * Where a config reader, and a typed value checking its own arguments, reports what is wrong with a
 * key, one call per problem, instead of stopping at the first: so that every problem of a config is
 * reported at once. Keys are relative to the sink; {@link #at} makes the view of a block, which
 * puts the block's path in front, so a reader names its keys bare ({@code "eps"}) and the line the
 * user reads names the full key ({@code "sweep.attacks[1].eps must be in (0, 1], got 3.0"}).
 *
 * <p>The job holds the list behind the views and throws it as one exception; a record's compact
 * constructor collects its own problems into one of these and throws them in its {@link
 * IllegalArgumentException}. Implementations are not thread-safe unless they say so.
 */
@FunctionalInterface
public interface ConfigProblems {

  /**
   * Records a problem of {@code key} whose line names the full key its own way, e.g. {@code full ->
   * "unknown key " + full} or {@code full -> full + ": " + message}: {@code line} is given the full
   * key at the root.
   */
  void add(String key, UnaryOperator<String> line);

  /** Records a problem of {@code key}; the line reads {@code "<full key> <message>"}. */
  default void add(String key, String message) {
    add(key, full -> full + " " + message);
  }

  /** The view of the block at {@code path} (relative to this sink): its keys are under it. */
  default ConfigProblems at(String path) {
    return (key, line) -> add(path + "." + key, line);
  }
}

package io.adversarialprune.job.config;

import io.adversarialprune.job.UserInputException;
import java.util.List;

/**
 * A sweep config with problems, every one of them: the command line prints the message, one line
 * per problem, and exits with status 2.
 */
public final class InvalidConfigException extends UserInputException {
  private static final long serialVersionUID = 1L;

  private final transient List<Problem> problems;

  InvalidConfigException(List<Problem> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  /** The problems, in the order found; never empty. */
  public List<Problem> problems() {
    return problems;
  }

  private static String message(List<Problem> problems) {
    if (problems.size() == 1) {
      return "invalid config: " + problems.get(0).message();
    }
    StringBuilder out = new StringBuilder("invalid config (" + problems.size() + " problems):");
    for (Problem p : problems) {
      out.append("\n  ").append(p.message());
    }
    return out.toString();
  }
}

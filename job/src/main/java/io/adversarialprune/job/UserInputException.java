package io.adversarialprune.job;

/**
 * A problem with what the user gave us (a config value, a file, a column), as opposed to a failure
 * of the job itself. The command line prints only its message and exits with status 2, so the
 * message must name the key, file or column, the expectation and what was found.
 */
public class UserInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserInputException(String message) {
    super(message);
  }

  public UserInputException(String message, Throwable cause) {
    super(message, cause);
  }
}

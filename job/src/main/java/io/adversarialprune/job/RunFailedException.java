package io.adversarialprune.job;

/**
 * A run that started (its {@code runs} row was written as RUNNING) and then failed, or that could
 * not start for a reason other than its input (a full disk: then nothing was recorded): the job's
 * failure, exit status 1, even when the cause is a problem with the input found only on an executor
 * (say a corrupt image). The {@code runs} row says FAILED, with {@code ended_at}, unless the run's
 * lease was lost to another driver (then that driver owns the row). Exit status 2 means that
 * nothing was written; once the run has written, that promise is gone, so this wrapper tells {@code
 * Main} to ignore any {@link UserInputException} in its causes.
 */
public class RunFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean interrupted;

  public RunFailedException(String message, Throwable cause) {
    this(message, cause, false);
  }

  /**
   * @param interrupted whether a signal ended the run: its hook has already said so, with how to
   *     resume, and {@code Main} adds nothing
   */
  public RunFailedException(String message, Throwable cause, boolean interrupted) {
    super(message, cause);
    this.interrupted = interrupted;
  }

  /** Whether a signal ended the run (see the constructor). */
  public boolean interrupted() {
    return interrupted;
  }
}

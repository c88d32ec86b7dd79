package io.adversarialprune.job.sweep;

/**
 * Fault injection for the kill tests ({@code KillStagesTest}): when the system property {@value
 * #PROPERTY} names a step, the JVM halts right after it, as SIGKILL would stop it there (no
 * shutdown hook, no finally block). Unset, as it always is outside those tests, it does nothing.
 */
final class HaltPoint {
  /** The system property naming the step to halt after. */
  static final String PROPERTY = "adversarialprune.test.halt-after";

  /** The exit status of a halt: 128 + SIGKILL's 9, as a shell reports a killed process. */
  static final int STATUS = 137;

  private HaltPoint() {}

  /** Halts the JVM when {@code step} is the one {@value #PROPERTY} names. */
  static void after(String step) {
    if (step.equals(System.getProperty(PROPERTY))) {
      System.err.println("halt after " + step + " (" + PROPERTY + ")");
      System.err.flush();
      Runtime.getRuntime().halt(STATUS);
    }
  }
}

package io.adversarialprune.job.check;

import io.adversarialprune.job.executor.EngineCheckFailedException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Ends the sweep's Spark job at the first task whose engine check failed under the {@code fail}
 * policy. Without it Spark would retry the task, possibly on an executor whose check passes, and
 * the failure would vanish from a run that then reports success. Tasks of the job group that are
 * still running are cancelled; units they already committed stay (each was computed on a slot whose
 * own check passed).
 *
 * <p>Lifecycle: registered on construction, removed by {@link #close()}. Spark calls {@link
 * #onTaskEnd} on its listener-bus thread; the recorded failure is read on the driver thread.
 */
public final class CheckFailureWatch extends SparkListener implements AutoCloseable {
  private final SparkContext context;
  private final String jobGroup;
  private final AtomicReference<EngineCheckFailedException> first = new AtomicReference<>();

  public CheckFailureWatch(SparkContext context, String jobGroup) {
    this.context = context;
    this.jobGroup = jobGroup;
    context.addSparkListener(this);
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.reason() instanceof ExceptionFailure failure
        && EngineCheckFailedException.class.getName().equals(failure.className())
        && failure.exception().isDefined()
        && failure.exception().get() instanceof EngineCheckFailedException e
        && first.compareAndSet(null, e)) {
      context.cancelJobGroup(jobGroup, "an executor's engine check failed: " + e.record().where());
    }
  }

  /** The first failed check seen, if any. */
  public Optional<EngineCheckFailedException> failure() {
    return Optional.ofNullable(first.get());
  }

  @Override
  public void close() {
    context.removeSparkListener(this);
  }
}

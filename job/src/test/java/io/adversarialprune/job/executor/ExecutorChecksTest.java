package io.adversarialprune.job.executor;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.exec.ModelPool;
import io.adversarialprune.udfs.exec.ModelSlot;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.MemoryFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Which batch sizes an executor checks: those the attacks will really hand the model. */
class ExecutorChecksTest {

  @Test
  void checksTheFullAndRemainderBatchesAndWithEarlyStopOrRestartsTheBucketsTheyShrinkThrough()
      throws Exception {
    SweepConfig plain = SweepConfig.load(null, List.of("sweep.attack.batch-size=20"));
    SweepConfig early =
        SweepConfig.load(
            null,
            List.of(
                "sweep.attack.batch-size=20",
                "sweep.attacks=[{type=fgsm}, {type=apgd-ce, early-stop=true}]"));
    SweepConfig restarting =
        SweepConfig.load(
            null,
            List.of("sweep.attack.batch-size=20", "sweep.attacks=[{type=pgd-linf, restarts=3}]"));
    Batch shard = randomShard(45);
    Path model = Path.of(ExecutorCache.get().localPath(plain.model().path(), "sweep.model.path"));
    ModelPool.Key key =
        new ModelPool.Key(
            model,
            Device.cpu(),
            plain.model().normalization(),
            plain.model().input(),
            Classifier.Mode.DIFFERENTIABLE,
            MemoryFormat.AUTO);
    try (ModelPool pool = new ModelPool();
        ModelPool.Lease leaseA = pool.borrow(key);
        ModelPool.Lease leaseB = pool.borrow(key)) {
      ModelSlot a = leaseA.slot();
      ModelSlot b = leaseB.slot();
      assertThat(ExecutorChecks.ensure(plain, a, shard, "r", "e", "h"))
          .extracting(c -> c.report().batchSize())
          .containsExactly(20, 5);
      // checked once per slot and run
      assertThat(ExecutorChecks.ensure(plain, a, shard, "r", "e", "h")).isEmpty();
      // 20 -> 10 -> 5 -> 3 -> 2 -> 1, and the remainder 5 among them
      assertThat(ExecutorChecks.ensure(early, b, shard, "r", "e", "h"))
          .extracting(c -> c.report().batchSize())
          .containsExactly(20, 10, 5, 3, 2, 1);
      // later restarts attack the samples still standing, padded to the same buckets
      assertThat(ExecutorChecks.ensure(restarting, a, shard, "r2", "e", "h"))
          .extracting(c -> c.report().batchSize())
          .containsExactly(20, 10, 5, 3, 2, 1);
    }
  }

  /** Fashion-MNIST-shaped noise images: the check needs pixels and labels, not real photos. */
  private static Batch randomShard(int n) {
    Random r = new Random(3);
    long[] ids = new long[n];
    int[] labels = new int[n];
    float[] pixels = new float[n * 784];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
      labels[i] = i % 10;
    }
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = r.nextFloat();
    }
    return new Batch(ids, labels, pixels, new io.adversarialprune.udfs.model.InputShape(1, 28, 28));
  }
}

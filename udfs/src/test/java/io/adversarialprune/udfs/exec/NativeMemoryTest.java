package io.adversarialprune.udfs.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.attack.Apgd;
import io.adversarialprune.udfs.attack.Attack;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.model.Classifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Native memory is scoped per batch and per step: many batches leave nothing behind. */
class NativeMemoryTest {

  private static final int WARM_UP_BATCHES = 40;
  private static final int BATCHES = 240;

  @Test
  void manyAttackBatchesDoNotGrowNativeMemory() throws IOException {
    assertNoGrowth(new Pgd("linf", 0.03, 0.005, 3, true, 1, true, false).attack());
  }

  /**
   * APGD keeps its iterates in a state manager replaced every step, compacts the batch on early
   * stop and scores restarts: every path that allocates differently from PGD, in one attack.
   */
  @Test
  void manyApgdBatchesWithRestartsAndEarlyStopDoNotGrowNativeMemory() throws IOException {
    assertNoGrowth(new Apgd(Apgd.Loss.DLR, 0.05, 4, 2, 0.75, true, true).attack());
  }

  private static void assertNoGrowth(Attack attack) throws IOException {
    List<Batch> warmUp = Shards.random(1L, 0L, WARM_UP_BATCHES, 4);
    List<Batch> shard = Shards.random(2L, 10_000L, BATCHES, 4);
    try (Classifier model = Fixtures.loadTiny()) {
      // The model's manager holds its parameters and the normalization's mean and std.
      int resident = model.parameters().size() + 2;
      assertThat(model.manager().getManagedArrays()).hasSize(resident);
      UnitExecutor.run(model, null, 1L, warmUp, attack, 4, false, null);
      // One pass over the shard first: glibc (with the allocator settings every launcher and test
      // JVM uses, deploy/engine-env.sh) keeps freed memory, so the heap settles at the high-water
      // mark of whatever ran before in this JVM plus this attack's working set. A leak grows
      // with every pass; a settled heap does not grow in the second.
      UnitExecutor.run(model, null, 1L, shard, attack, 4, false, null);
      System.gc();
      long before = rssKb();
      UnitExecutor.run(model, null, 1L, shard, attack, 4, false, null);
      System.gc();
      long middle = rssKb();
      UnitResult result = UnitExecutor.run(model, null, 1L, shard, attack, 4, false, null);
      System.gc();
      long after = rssKb();
      assertThat(result.counts().total()).isEqualTo(BATCHES * 4L);
      assertThat(model.manager().getManagedArrays()).hasSize(resident);
      // 240 batches x (3 or more steps + 2 evaluations): a leak of even one small tensor per step
      // or one batch copy per batch would show as several MB in each of two equal passes; the
      // allocator settling (a fragmented heap growing once) shows in at most one of them.
      assertThat(Math.min(middle - before, after - middle))
          .as("VmRSS growth in kB over two equal passes: %d, %d", middle - before, after - middle)
          .isLessThan(8 * 1024);
    }
  }

  private static long rssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}

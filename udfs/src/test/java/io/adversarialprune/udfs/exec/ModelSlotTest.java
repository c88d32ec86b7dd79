package io.adversarialprune.udfs.exec;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.MemoryFormat;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.PruneStep;
import io.adversarialprune.udfs.prune.PruneType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A pooled slot comes back with its original weights and keeps its checks until discarded. */
class ModelSlotTest {
  private static final ModelPool.Key KEY =
      new ModelPool.Key(
          Fixtures.tiny(),
          Device.cpu(),
          Fixtures.NORM,
          Fixtures.SHAPE,
          Classifier.Mode.DIFFERENTIABLE,
          MemoryFormat.AUTO);
  private static final PruneSpec E = PruneSpec.of(new PruneStep(PruneType.E, 0.05));

  @Test
  void aReturnedSlotHasItsOriginalWeightsAndItsChecks() {
    try (ModelPool pool = new ModelPool()) {
      float[] original;
      ModelSlot first;
      try (ModelPool.Lease lease = pool.borrow(KEY)) {
        first = lease.slot();
        original = weights(first.classifier());
        assertThat(first.prune(E, 1L).changed()).isPositive();
        assertThat(weights(first.classifier())).isNotEqualTo(original);
        assertThat(first.prune(E, 1L)).as("the same prune again is a no-op").isNotNull();
        first.markChecked("run/8");
      }
      try (ModelPool.Lease lease = pool.borrow(KEY)) {
        assertThat(lease.slot()).isSameAs(first);
        assertThat(lease.slot().pruned()).isFalse();
        assertThat(weights(lease.slot().classifier())).isEqualTo(original);
        assertThat(lease.slot().checked("run/8")).isTrue();
        lease.slot().prune(E, 1L);
        lease.discard();
      }
      try (ModelPool.Lease lease = pool.borrow(KEY)) {
        assertThat(lease.slot()).as("a discarded slot is not lent again").isNotSameAs(first);
        assertThat(lease.slot().checked("run/8")).isFalse();
        assertThat(weights(lease.slot().classifier())).isEqualTo(original);
      }
      assertThat(pool.loads()).isEqualTo(2);
    }
  }

  /** All parameter values, in the model's order. */
  private static float[] weights(Classifier model) {
    List<float[]> parts = new ArrayList<>();
    for (NDArray p : model.parameters().values()) {
      parts.add(p.toFloatArray());
    }
    float[] out = new float[parts.stream().mapToInt(a -> a.length).sum()];
    int at = 0;
    for (float[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }
}

package io.adversarialprune.job.executor;

import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.job.results.AdversarialImages;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.udfs.attack.Predictions;
import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.model.Network;
import java.io.IOException;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Transfer from baseline: a pruned model judged on the adversarial images its baseline unit (same
 * attack, seed and shard, unpruned model) committed. One forward pass per batch; the baseline is
 * never attacked again. Stateless.
 */
final class BaselineJudge {
  private BaselineJudge() {}

  /**
   * The (pruned) source's predictions on the adversarial images of {@code unit}'s baseline unit.
   *
   * @throws IOException when the baseline's images cannot be read or are not {@code shard}'s
   */
  static int[] predictions(
      ResultsLayout layout,
      String sweep,
      String runId,
      Unit unit,
      Network source,
      Batch shard,
      int batchSize,
      Configuration conf)
      throws IOException {
    Path file = new Path(layout.unit(sweep, runId, unit.baselineUnit()), AdversarialImages.FILE);
    AdversarialImages adv = AdversarialImages.read(file, conf);
    if (!Arrays.equals(adv.ids(), shard.ids()) || adv.perImage() != source.inputShape().pixels()) {
      throw new IOException(
          file
              + " holds other images than shard "
              + unit.shard()
              + " of this unit ("
              + unit.describe()
              + ")");
    }
    int n = shard.size();
    int per = adv.perImage();
    int[] out = new int[n];
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      int[] labels = Arrays.copyOfRange(shard.labels(), from, to);
      float[] pixels = Arrays.copyOfRange(adv.pixels(), from * per, to * per);
      System.arraycopy(
          Predictions.of(source, labels, pixels).predictions(), 0, out, from, to - from);
    }
    return out;
  }
}

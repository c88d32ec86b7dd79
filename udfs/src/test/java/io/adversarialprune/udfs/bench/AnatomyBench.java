package io.adversarialprune.udfs.bench;

import ai.djl.Device;
import io.adversarialprune.udfs.attack.Attack;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.exec.UnitExecutor;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Normalization;
import io.adversarialprune.udfs.model.Probes;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What layer anatomy costs a unit: {@link UnitExecutor#run} with and without it on the same model,
 * images and PGD, interleaved in one run (best of {@code REPS} each), as the sweep runs it (random
 * start, 8-bit rounding, the sweep's batch size). Not a test; run by hand:
 *
 * <pre>
 * java -cp ... io.adversarialprune.udfs.bench.AnatomyBench \
 *     MODEL C H W MEAN STD IMAGES BATCH STEPS REPS
 * </pre>
 */
public final class AnatomyBench {

  private AnatomyBench() {}

  public static void main(String[] args) {
    BenchModel bench = BenchModel.of(args);
    Path file = bench.file();
    InputShape shape = bench.shape();
    Normalization norm = bench.norm();
    int images = Integer.parseInt(args[6]);
    int batch = Integer.parseInt(args[7]);
    int steps = Integer.parseInt(args[8]);
    int reps = Integer.parseInt(args[9]);
    try (Classifier model = Classifier.load(file, Device.cpu(), norm, shape)) {
      List<Batch> shard = List.of(bench.randomBatch(images, model.classes()));
      Attack pgd = new Pgd("linf", 0.03, 0.003, steps, true, 1, true, false).attack();
      Probes probes = Probes.of(model);
      UnitExecutor.run(model, null, 1L, shard, pgd, batch, false, probes); // warm-up
      double off = Double.MAX_VALUE;
      double on = Double.MAX_VALUE;
      for (int r = 0; r < reps; r++) {
        off =
            Math.min(
                off, UnitExecutor.run(model, null, 1L, shard, pgd, batch, false, null).seconds());
        on =
            Math.min(
                on, UnitExecutor.run(model, null, 1L, shard, pgd, batch, false, probes).seconds());
      }
      System.out.printf(
          Locale.ROOT,
          "unit of %d images, PGD-%d, batch %d, best of %d: anatomy off %.3f s, on %.3f s,"
              + " ratio %.3f%n",
          images,
          steps,
          batch,
          reps,
          off,
          on,
          on / off);
    }
  }
}

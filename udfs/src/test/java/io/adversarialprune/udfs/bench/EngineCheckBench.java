package io.adversarialprune.udfs.bench;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.attack.Attack;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.check.EngineCheck;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.MemoryFormat;
import io.adversarialprune.udfs.model.Normalization;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What the engine check costs next to the attack it guards, side by side in one run: on a freshly
 * loaded classifier (as an executor's first unit has), the check with reference.conf's settings,
 * then {@code BATCHES} PGD batches of 10 steps; and the same PGD on another fresh classifier with
 * no check. Prints the check's time in PGD-step equivalents. Not a test; run by hand:
 *
 * <pre>
 * java -cp ... io.adversarialprune.udfs.bench.EngineCheckBench \
 *   MODEL C H W MEAN STD BATCH BATCHES REPS
 * </pre>
 */
public final class EngineCheckBench {

  private EngineCheckBench() {}

  public static void main(String[] args) {
    BenchModel bench = BenchModel.of(args);
    Path file = bench.file();
    InputShape shape = bench.shape();
    Normalization norm = bench.norm();
    int batch = Integer.parseInt(args[6]);
    int batches = Integer.parseInt(args[7]);
    int reps = Integer.parseInt(args[8]);
    ai.djl.engine.Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(1);
    float[] pixels = new float[batch * shape.pixels()];
    int[] labels = new int[batch];
    long[] ids = new long[batch];
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextDouble();
    }
    for (int i = 0; i < batch; i++) {
      labels[i] = i % 10;
      ids[i] = i;
    }
    int steps = 10;
    Attack pgd = new Pgd("linf", 0.03, 0.003, steps, true, 1, true, false).attack();
    EngineCheck check = new EngineCheck(new EngineCheck.Settings(4, 4, 1e-5, 0.05, 1e-3));
    for (int rep = 0; rep < reps; rep++) {
      double[] pgdSeconds = new double[2];
      double checkSeconds = 0;
      for (int withCheck = 1; withCheck >= 0; withCheck--) {
        try (Classifier c =
            Classifier.load(
                file,
                Device.cpu(),
                norm,
                shape,
                Classifier.Mode.DIFFERENTIABLE,
                MemoryFormat.AUTO)) {
          if (withCheck == 1) {
            checkSeconds = check.run(c, 0, labels, pixels).seconds();
          }
          long t = System.nanoTime();
          for (int b = 0; b < batches; b++) {
            pgd.perturb(c, 1, ids, labels, pixels);
          }
          pgdSeconds[withCheck] = (System.nanoTime() - t) / 1e9;
        }
      }
      double perStep = pgdSeconds[0] / (batches * steps);
      System.out.printf(
          Locale.ROOT,
          "rep %d: check %.3f s; %d PGD batches x %d steps %.3f s after the check, %.3f s"
              + " without; check = %.1f PGD steps of batch %d%n",
          rep,
          checkSeconds,
          batches,
          steps,
          pgdSeconds[1],
          pgdSeconds[0],
          checkSeconds / perStep,
          batch);
    }
  }
}

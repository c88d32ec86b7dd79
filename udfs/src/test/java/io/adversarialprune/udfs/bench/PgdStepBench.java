package io.adversarialprune.udfs.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.attack.AttackConfig;
import io.adversarialprune.udfs.attack.PgdAttack;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Normalization;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Per-image cost of one PGD step ({@link PgdAttack}) next to a bare DJL forward + backward to the
 * input on the same model and batch, interleaved in one run. Not a test; run by hand:
 *
 * <pre>
 * java -cp ... io.adversarialprune.udfs.bench.PgdStepBench MODEL C H W MEAN STD BATCH STEPS REPS
 * </pre>
 */
public final class PgdStepBench {

  private PgdStepBench() {}

  public static void main(String[] args) {
    Path file = Path.of(args[0]);
    InputShape shape =
        new InputShape(
            Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
    Normalization norm =
        Normalization.uniform(
            shape.channels(), Float.parseFloat(args[4]), Float.parseFloat(args[5]));
    int batch = Integer.parseInt(args[6]);
    int steps = Integer.parseInt(args[7]);
    int reps = Integer.parseInt(args[8]);
    SplittableRandom random = new SplittableRandom(1);
    float[] pixels = new float[batch * shape.pixels()];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextDouble();
    }
    long[] ids = new long[batch];
    int[] labels = new int[batch];
    try (Classifier model = Classifier.load(file, Device.cpu(), norm, shape)) {
      for (int i = 0; i < batch; i++) {
        ids[i] = i;
        labels[i] = random.nextInt(model.classes());
      }
      // Random start on, rounding on: the sweep's settings; both are cheap Java/elementwise work.
      PgdAttack pgd = new PgdAttack(new AttackConfig(0.03, 0.001, steps, true, true, batch));
      double[] pgdNs = new double[reps];
      double[] rawNs = new double[reps];
      for (int r = -2; r < reps; r++) { // two warm-up rounds
        long t0 = System.nanoTime();
        pgd.perturb(model, 1L, ids, labels, pixels);
        long t1 = System.nanoTime();
        rawSteps(model, shape, pixels, labels, steps);
        long t2 = System.nanoTime();
        if (r >= 0) {
          pgdNs[r] = (double) (t1 - t0) / steps / batch;
          rawNs[r] = (double) (t2 - t1) / steps / batch;
        }
      }
      double p = median(pgdNs);
      double q = median(rawNs);
      System.out.printf(
          "model=%s input=%s batch=%d steps=%d reps=%d threads=%d%n"
              + "  PGD step (PgdAttack.perturb / steps): %.1f us/image%n"
              + "  raw DJL forward+backward to input:    %.1f us/image%n"
              + "  ratio PGD / raw = %.3f%n",
          file.getFileName(),
          shape.describe(batch),
          batch,
          steps,
          reps,
          JniUtils.getNumThreads(),
          p / 1e3,
          q / 1e3,
          p / q);
    }
  }

  /** The bare minimum per step: leaf, forward, summed CE, backward, read the gradient. */
  private static void rawSteps(
      Classifier model, InputShape shape, float[] pixels, int[] labels, int steps) {
    try (NDManager batch = model.manager().newSubManager()) {
      NDArray x = batch.create(pixels, new Shape(shape.batchShape(labels.length)));
      NDArray y = batch.create(Arrays.stream(labels).asLongStream().toArray());
      for (int s = 0; s < steps; s++) {
        try (NDManager scope = batch.newSubManager()) {
          NDArray leaf = x.duplicate();
          leaf.attach(scope);
          leaf.setRequiresGradient(true);
          JniUtils.setGradMode(true);
          NDArray loss =
              model.logits(leaf).logSoftmax(1).gather(y.reshape(labels.length, 1), 1).neg().sum();
          JniUtils.backward(
              (PtNDArray) loss, (PtNDArray) scope.ones(loss.getShape()), false, false);
          JniUtils.setGradMode(false);
          leaf.getGradient();
        }
      }
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}

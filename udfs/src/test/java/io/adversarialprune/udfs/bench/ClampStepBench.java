package io.adversarialprune.udfs.bench;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.attack.Attack;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.model.ClampGradient;
import io.adversarialprune.udfs.model.ClampedClassifier;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Network;
import io.adversarialprune.udfs.model.Normalization;
import io.adversarialprune.udfs.model.Probes;
import io.adversarialprune.udfs.prune.ActivationClamp;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Per-image cost of one PGD-Linf step through the feature-map clamp ({@code forward_clamped}, exact
 * and straight-through gradient) next to the same step on the plain forward, on the same model and
 * batch, interleaved in one run (as {@link PgdStepBench}). The clamp is calibrated ({@code A}, the
 * LAYERS regex as {@code sweep.prune.clamp-layers}) on another random batch. Early stop off, one
 * restart, random start and rounding on, so every pass is made. Besides wall time it prints the
 * calling thread's CPU time (libtorch computes on that thread with one intra-op thread): where the
 * two differ, other processes took the CPU and the wall ratio is not to be trusted. Not a test; run
 * by hand:
 *
 * <pre>
 * java -cp ... io.adversarialprune.udfs.bench.ClampStepBench MODEL C H W MEAN STD BATCH STEPS REPS
 *     [A, default 3] [LAYERS, a sweep.prune.clamp-layers regex, default "": every probe but logits]
 * </pre>
 */
public final class ClampStepBench {

  private ClampStepBench() {}

  public static void main(String[] args) {
    BenchModel bench = BenchModel.of(args);
    Path file = bench.file();
    InputShape shape = bench.shape();
    Normalization norm = bench.norm();
    int batch = Integer.parseInt(args[6]);
    int steps = Integer.parseInt(args[7]);
    int reps = Integer.parseInt(args[8]);
    double multiple = args.length > 9 ? Double.parseDouble(args[9]) : 3;
    String layers = args.length > 10 ? args[10] : "";
    SplittableRandom random = new SplittableRandom(1);
    float[] pixels = new float[batch * shape.pixels()];
    float[] calibration = new float[batch * shape.pixels()];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextDouble();
      calibration[i] = (float) random.nextDouble();
    }
    long[] ids = new long[batch];
    int[] labels = new int[batch];
    try (Classifier model = Classifier.load(file, Device.cpu(), norm, shape)) {
      for (int i = 0; i < batch; i++) {
        ids[i] = i;
        labels[i] = random.nextInt(model.classes());
      }
      Probes probes = Probes.of(model);
      ActivationClamp.Result clamp =
          ActivationClamp.calibrate(
              probes, new ActivationClamp.Calibration(calibration, layers, batch), multiple);
      Pgd spec = new Pgd("linf", 0.03, 0.003, steps, true, 1, true, false);
      Attack attack = spec.attack();
      int passes = spec.passes();
      System.out.printf(
          Locale.ROOT,
          "model=%s input=%s batch=%d steps=%d reps=%d threads=%d A=%s layers=%d%n",
          file.getFileName(),
          shape.describe(batch),
          batch,
          steps,
          reps,
          JniUtils.getNumThreads(),
          multiple,
          clamp.layers().size());
      String[] names = {"plain", "clamped, exact", "clamped, straight-through"};
      ClampedClassifier exact = ClampedClassifier.of(probes, clamp.bounds(), ClampGradient.EXACT);
      ClampedClassifier straightThrough =
          ClampedClassifier.of(probes, clamp.bounds(), ClampGradient.STRAIGHT_THROUGH);
      Network[] networks = {model, exact, straightThrough};
      double[][] ns = new double[names.length][reps];
      double[][] cpu = new double[names.length][reps];
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      for (int r = -2; r < reps; r++) { // two warm-up rounds
        for (int k = 0; k < names.length; k++) {
          long c0 = threads.getCurrentThreadCpuTime();
          long t0 = System.nanoTime();
          attack.perturb(networks[k], 1L, ids, labels, pixels);
          long t1 = System.nanoTime();
          long c1 = threads.getCurrentThreadCpuTime();
          if (r >= 0) {
            ns[k][r] = (double) (t1 - t0) / passes / batch;
            cpu[k][r] = (double) (c1 - c0) / passes / batch;
          }
        }
      }
      double plain = median(ns[0]);
      double plainCpu = median(cpu[0]);
      for (int k = 0; k < names.length; k++) {
        System.out.printf(
            Locale.ROOT,
            "  %-28s step %8.1f us/image (min %8.1f)  ratio to plain %.3f (of minima %.3f,"
                + " median of rounds %.3f); thread CPU %8.1f us/image, ratio %.3f%n",
            names[k],
            median(ns[k]) / 1e3,
            min(ns[k]) / 1e3,
            median(ns[k]) / plain,
            min(ns[k]) / min(ns[0]),
            median(pairedRatios(ns[k], ns[0])),
            median(cpu[k]) / 1e3,
            median(cpu[k]) / plainCpu);
      }
    }
  }

  /**
   * Each round's ratio to the plain step of the same round: the host's slow spells, which last
   * longer than a round, cancel out of these.
   */
  private static double[] pairedRatios(double[] values, double[] plain) {
    double[] ratios = new double[values.length];
    for (int r = 0; r < values.length; r++) {
      ratios[r] = values[r] / plain[r];
    }
    return ratios;
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}

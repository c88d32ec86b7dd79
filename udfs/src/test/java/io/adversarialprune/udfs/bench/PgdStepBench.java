package io.adversarialprune.udfs.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.attack.Apgd;
import io.adversarialprune.udfs.attack.ApgdT;
import io.adversarialprune.udfs.attack.Attack;
import io.adversarialprune.udfs.attack.AttackSpec;
import io.adversarialprune.udfs.attack.Fgsm;
import io.adversarialprune.udfs.attack.Gradients;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Normalization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Per-image cost of one step of each attack ({@link Attack#perturb} time / {@link
 * AttackSpec#passes()}) next to a bare DJL forward + backward to the input on the same model and
 * batch, interleaved in one run, at the clean images and at the attack's own output. Early stop
 * off, one restart (and for APGD-T one target), so every pass is made. APGD's extra forward pass at
 * its last iterate is in its time (at 10 steps it is about 1/30 of the passes, at 100 about 1/300).
 * "Without its once-per-run forward passes": the step alone, the attack's time less what it spent
 * in forward-only passes ({@link Gradients#forwardNanos()}: APGD's last iterate, APGD-T's clean
 * logits). "Outside the passes": what remains beyond the forward+backward passes themselves ({@link
 * Gradients#passNanos()}), measured in the same calls: the steps' own arithmetic and bookkeeping,
 * free of the noise between separate timings. Not a test; run by hand:
 *
 * <pre>
 * java -cp ... io.adversarialprune.udfs.bench.PgdStepBench MODEL C H W MEAN STD BATCH STEPS REPS
 *     [TYPES, comma separated: pgd-linf,pgd-l2,apgd-ce,apgd-dlr,apgd-t,fgsm; default all]
 * </pre>
 */
public final class PgdStepBench {

  private PgdStepBench() {}

  public static void main(String[] args) {
    BenchModel bench = BenchModel.of(args);
    Path file = bench.file();
    InputShape shape = bench.shape();
    Normalization norm = bench.norm();
    int batch = Integer.parseInt(args[6]);
    int steps = Integer.parseInt(args[7]);
    int reps = Integer.parseInt(args[8]);
    List<String> types =
        Arrays.asList(
            (args.length > 9 ? args[9] : "pgd-linf,pgd-l2,apgd-ce,apgd-dlr,apgd-t,fgsm")
                .split(","));
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
      List<AttackSpec> specs = new ArrayList<>();
      for (String type : types) {
        specs.add(
            switch (type) {
              case "pgd-linf" -> new Pgd("linf", 0.03, 0.003, steps, true, 1, true, false);
              case "pgd-l2" -> new Pgd("l2", 1.0, 0.1, steps, true, 1, true, false);
              case "apgd-ce" -> new Apgd(Apgd.Loss.CE, 0.03, steps, 1, 0.75, true, false);
              case "apgd-dlr" -> new Apgd(Apgd.Loss.DLR, 0.03, steps, 1, 0.75, true, false);
              // One target: every pass on the whole batch, like the others.
              case "apgd-t" -> new ApgdT(0.03, steps, 1, 1, 0.75, true, false);
              case "fgsm" -> new Fgsm(0.03, true, false);
              default -> throw new IllegalArgumentException("unknown type " + type);
            });
      }
      System.out.printf(
          Locale.ROOT,
          "model=%s input=%s batch=%d steps=%d reps=%d threads=%d%n",
          file.getFileName(),
          shape.describe(batch),
          batch,
          steps,
          reps,
          JniUtils.getNumThreads());
      for (AttackSpec spec : specs) {
        Attack attack = spec.attack();
        int passes = spec.passes();
        double[] attackNs = new double[reps];
        double[] rawNs = new double[reps];
        double[] rawAdvNs = new double[reps];
        double[] outsideShare = new double[reps];
        double[] stepOnlyNs = new double[reps];
        float[] adv = attack.perturb(model, 1L, ids, labels, pixels);
        for (int r = -2; r < reps; r++) { // two warm-up rounds
          long inPasses = Gradients.passNanos();
          long forwards = Gradients.forwardNanos();
          long t0 = System.nanoTime();
          attack.perturb(model, 1L, ids, labels, pixels);
          long t1 = System.nanoTime();
          inPasses = Gradients.passNanos() - inPasses;
          forwards = Gradients.forwardNanos() - forwards;
          rawSteps(model, shape, pixels, labels, passes);
          long t2 = System.nanoTime();
          rawSteps(model, shape, adv, labels, passes);
          long t3 = System.nanoTime();
          if (r >= 0) {
            attackNs[r] = (double) (t1 - t0) / passes / batch;
            rawNs[r] = (double) (t2 - t1) / passes / batch;
            rawAdvNs[r] = (double) (t3 - t2) / passes / batch;
            outsideShare[r] = (double) (t1 - t0 - forwards - inPasses) / inPasses;
            stepOnlyNs[r] = (double) (t1 - t0 - forwards) / passes / batch;
          }
        }
        double p = median(attackNs);
        double q = median(rawNs);
        double a = median(rawAdvNs);
        double pMin = min(attackNs);
        double qMin = min(rawNs);
        double aMin = min(rawAdvNs);
        // The raw pass at the attack's own output as well: a pass costs more where the loss is
        // high (the backward meets subnormal floats), which is where the attacks spend their time.
        System.out.printf(
            Locale.ROOT,
            "  %-60s step %8.1f us/image  raw fwd+bwd at x %8.1f, at x_adv %8.1f us/image"
                + "  ratio %.3f, %.3f (of minima %.3f, %.3f)  without its once-per-run forward"
                + " passes %.3f, %.3f; steps' own work outside the passes %+.1f %%%n",
            spec.label(),
            p / 1e3,
            q / 1e3,
            a / 1e3,
            p / q,
            p / a,
            pMin / qMin,
            pMin / aMin,
            median(stepOnlyNs) / q,
            median(stepOnlyNs) / a,
            100 * median(outsideShare));
      }
    }
  }

  /**
   * The bare minimum per step: leaf, forward, summed CE, backward, read the gradient (also {@link
   * StepFaultsBench}'s round).
   */
  static void rawSteps(
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

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}

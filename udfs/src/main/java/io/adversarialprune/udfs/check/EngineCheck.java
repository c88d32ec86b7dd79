package io.adversarialprune.udfs.check;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.attack.Gradients;
import io.adversarialprune.udfs.config.ConfigProblems;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Network;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Checks, on the executor that will attack with it, that a classifier's engine computes what the
 * attacks rely on: the input gradient of the cross entropy against central differences of the
 * forward pass (on the real batch, in the attack's layout and thread setting), and logits that do
 * not change across repeats and memory layouts. Nothing here trusts the engine's autograd or one
 * kernel alone. How each figure is computed and judged: docs/ENGINE-CHECK.md.
 *
 * <p>Native memory: one sub-manager of the classifier's manager per call. Not thread-safe with
 * respect to the classifier (like every user of a {@link Network}); the calling thread's grad mode
 * is restored.
 */
public final class EngineCheck {

  /**
   * The check's settings.
   *
   * @param samples how many samples of the batch the gradient is checked on (highest loss first)
   * @param directions directions per sample, at least 3 (sign(g), g, and random ones)
   * @param step h, in pixel units, of the central differences
   * @param gradientTolerance the largest median and root-mean-square relative gradient error
   * @param logitTolerance the largest logit difference across kernels, relative to max |logit|
   */
  public record Settings(
      int samples, int directions, double step, double gradientTolerance, double logitTolerance)
      implements java.io.Serializable {

    /** Validates the ranges; the message lists every problem ({@link #check}). */
    public Settings {
      List<String> problems = new ArrayList<>();
      check(
          samples,
          directions,
          step,
          gradientTolerance,
          logitTolerance,
          (key, line) -> problems.add(line.apply(key)));
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("engine check " + String.join("; ", problems));
      }
    }

    /**
     * Reports every value out of range under its key ({@code samples}, {@code directions}, {@code
     * step}, {@code gradient-tolerance}, {@code logit-tolerance}).
     */
    public static void check(
        int samples,
        int directions,
        double step,
        double gradientTolerance,
        double logitTolerance,
        ConfigProblems problems) {
      if (samples < 1) {
        problems.add("samples", "must be >= 1, got " + samples);
      }
      if (directions < 3) {
        problems.add(
            "directions", "must be >= 3 (sign(g), g and at least one random), got " + directions);
      }
      if (!(step > 0 && step <= 0.1)) {
        problems.add("step", "must be in (0, 0.1], got " + step);
      }
      if (!(gradientTolerance > 0 && gradientTolerance < 1)) {
        problems.add("gradient-tolerance", "must be in (0, 1), got " + gradientTolerance);
      }
      if (!(logitTolerance > 0 && logitTolerance < 1)) {
        problems.add("logit-tolerance", "must be in (0, 1), got " + logitTolerance);
      }
    }
  }

  /**
   * The figures of one check.
   *
   * @param device the classifier's device
   * @param memoryFormat the layout the attack uses (the one checked)
   * @param threads libtorch intra-op threads of the checking thread
   * @param batchSize the batch size checked (the attack's)
   * @param samples samples whose gradient was checked
   * @param directions directions per sample
   * @param gradientMaxError the largest relative gradient error over (sample, direction) pairs
   * @param gradientMedianError the median one
   * @param gradientRmsError the root-mean-square one
   * @param logitsError the largest logit difference across kernels and repeats, relative
   * @param problem why the check failed, or null when it passed
   * @param seconds how long the check took
   */
  public record Report(
      String device,
      String memoryFormat,
      int threads,
      int batchSize,
      int samples,
      int directions,
      double gradientMaxError,
      double gradientMedianError,
      double gradientRmsError,
      double logitsError,
      String problem,
      double seconds)
      implements java.io.Serializable {

    /** Whether every figure is within its tolerance. */
    public boolean passed() {
      return problem == null;
    }

    /** One line with the figures, for logs and messages. */
    public String figures() {
      return String.format(
          Locale.ROOT,
          "gradient error max %.3g median %.3g rms %.3g over %d samples x %d directions,"
              + " logits error %.3g; %s, %s, batch %d, %d threads; %.3f s",
          gradientMaxError,
          gradientMedianError,
          gradientRmsError,
          samples,
          directions,
          logitsError,
          device,
          memoryFormat,
          batchSize,
          threads,
          seconds);
    }
  }

  private final Settings settings;

  /** A check with the given settings. */
  public EngineCheck(Settings settings) {
    this.settings = settings;
  }

  /** The settings. */
  public Settings settings() {
    return settings;
  }

  /**
   * Checks {@code model} on one real batch, the way the attack will run it.
   *
   * @param model a {@link Classifier.Mode#DIFFERENTIABLE} classifier
   * @param seed seeds the random directions
   * @param labels labels in {@code [0, model.classes())}
   * @param pixels NCHW pixels in [0, 1], {@code labels.length} images of the model's input shape
   */
  public Report run(Network model, long seed, int[] labels, float[] pixels) {
    if (model.mode() != Classifier.Mode.DIFFERENTIABLE) {
      throw new IllegalArgumentException(
          "the engine check needs input gradients, but " + model.file() + " is inference-only");
    }
    InputShape shape = model.inputShape();
    int n = labels.length;
    int per = shape.pixels();
    checkBatch(n, per, pixels);
    int classes = model.classes();
    boolean gradMode = JniUtils.isGradMode();
    long start = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    pixels = jittered(pixels, random);
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray x = scope.create(pixels, new Shape(shape.batchShape(n)));
      NDArray y = scope.create(Arrays.stream(labels).asLongStream().toArray());
      float[] grad = Gradients.inputGradient(model, x.duplicate(), y).toFloatArray();

      JniUtils.setGradMode(false);
      float[] logits = model.logits(x).toFloatArray();
      double logitsError = logitsError(model, x, logits);

      int[] chosen = highestLoss(logits, labels, classes, Math.min(settings.samples(), n));
      int k = settings.directions();
      float[] points = new float[2 * chosen.length * k * per];
      float[] d = new float[per];
      for (int s = 0; s < chosen.length; s++) {
        int i = chosen[s];
        for (int dir = 0; dir < k; dir++) {
          direction(grad, i * per, per, dir, random, d);
          int plus = (2 * (s * k + dir)) * per;
          int minus = plus + per;
          for (int j = 0; j < per; j++) {
            float p = pixels[i * per + j];
            float h = (float) (settings.step() * d[j]);
            points[plus + j] = p + h;
            points[minus + j] = p - h;
          }
        }
      }
      double[] losses = losses(model, scope, points, chosen, k, labels, n);
      int pairs = chosen.length * k;
      double[] errors = new double[pairs];
      double sumSq = 0;
      double refSq = 0;
      for (int s = 0; s < chosen.length; s++) {
        int i = chosen[s];
        for (int dir = 0; dir < k; dir++) {
          int pair = s * k + dir;
          int plus = 2 * pair * per;
          double predicted = 0;
          for (int j = 0; j < per; j++) {
            predicted +=
                (double) grad[i * per + j] * ((double) points[plus + j] - points[plus + per + j]);
          }
          double measured = losses[2 * pair] - losses[2 * pair + 1];
          double floor = 1e-9 * (1 + Math.abs(losses[2 * pair]));
          errors[pair] =
              Math.abs(predicted - measured)
                  / Math.max(floor, Math.max(Math.abs(predicted), Math.abs(measured)));
          sumSq += (predicted - measured) * (predicted - measured);
          refSq += measured * measured;
        }
      }
      double[] sorted = errors.clone();
      Arrays.sort(sorted);
      double max = sorted[pairs - 1];
      double median =
          pairs % 2 == 1 ? sorted[pairs / 2] : (sorted[pairs / 2 - 1] + sorted[pairs / 2]) / 2;
      double rms =
          refSq > 0 ? Math.sqrt(sumSq / refSq) : (sumSq > 0 ? Double.POSITIVE_INFINITY : 0);
      String problem = problem(median, rms, logitsError);
      return new Report(
          model.device().toString(),
          model.memoryFormat().configName(),
          JniUtils.getNumThreads(),
          n,
          chosen.length,
          k,
          max,
          median,
          rms,
          logitsError,
          problem,
          (System.nanoTime() - start) / 1e9);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /**
   * Checks only what a gradient-free attack relies on (the Square Attack): logits that do not
   * change across repeats and memory layouts, on one real batch. The gradient is not computed, so a
   * model whose autograd is wrong but whose forward is right passes; the report's gradient figures
   * are NaN and its samples and directions 0. Works on an inference-only classifier too.
   *
   * @param model any classifier
   * @param labels labels in {@code [0, model.classes())}
   * @param pixels NCHW pixels in [0, 1], {@code labels.length} images of the model's input shape
   */
  public Report runForward(Network model, long seed, int[] labels, float[] pixels) {
    InputShape shape = model.inputShape();
    int n = labels.length;
    checkBatch(n, shape.pixels(), pixels);
    boolean gradMode = JniUtils.isGradMode();
    long start = System.nanoTime();
    pixels = jittered(pixels, new SplittableRandom(seed));
    JniUtils.setGradMode(false);
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray x = scope.create(pixels, new Shape(shape.batchShape(n)));
      float[] logits = model.logits(x).toFloatArray();
      double logitsError = logitsError(model, x, logits);
      String problem = logitsProblem(logitsError);
      return new Report(
          model.device().toString(),
          model.memoryFormat().configName(),
          JniUtils.getNumThreads(),
          n,
          0,
          0,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          logitsError,
          problem,
          (System.nanoTime() - start) / 1e9);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  private String problem(double median, double rms, double logitsError) {
    // Gated on the rms error, which weighs each pair by its size: the median also counts random
    // directions along which the loss barely changes and float32 noise dominates (up to 0.04 on a
    // ResNet-18 that is right, against >= 0.14 for the wrong oneDNN kernels and >= 0.5 for every
    // lie).
    List<String> problems = new ArrayList<>();
    if (!(rms <= settings.gradientTolerance())) {
      problems.add(
          String.format(
              Locale.ROOT,
              "the autograd input gradient disagrees with the forward pass (median relative error"
                  + " %.3g, rms %.3g, tolerance %.3g)",
              median,
              rms,
              settings.gradientTolerance()));
    }
    String logits = logitsProblem(logitsError);
    if (logits != null) {
      problems.add(logits);
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }

  /** Why the logits fail the check, or null when they are within the tolerance. */
  private String logitsProblem(double logitsError) {
    return logitsError <= settings.logitTolerance()
        ? null
        : String.format(
            Locale.ROOT,
            "logits differ between kernels or repeats (relative %.3g, tolerance %.3g)",
            logitsError,
            settings.logitTolerance());
  }

  /** Checks that {@code pixels} holds {@code n > 0} images of {@code per} values each. */
  private static void checkBatch(int n, int per, float[] pixels) {
    if (n == 0 || pixels.length != (long) n * per) {
      throw new IllegalArgumentException(
          "engine check batch of "
              + n
              + " labels needs "
              + (long) n * per
              + " pixels, got "
              + pixels.length);
    }
  }

  /**
   * How far {@code logits} (of {@code x}, in the model's own layout) move when the forward pass is
   * repeated and when it runs in the other memory layout: the larger relative difference.
   */
  private static double logitsError(Network model, NDArray x, float[] logits) {
    return Math.max(
        relativeDifference(logits, model.logits(x).toFloatArray()),
        relativeDifference(logits, model.logits(x, model.memoryFormat().other()).toFloatArray()));
  }

  /** Per-point cross entropy, in double from the float logits, in chunks of the batch size. */
  private static double[] losses(
      Network model,
      NDManager scope,
      float[] points,
      int[] chosen,
      int k,
      int[] labels,
      int chunk) {
    InputShape shape = model.inputShape();
    int per = shape.pixels();
    int count = points.length / per;
    int classes = model.classes();
    double[] out = new double[count];
    for (int from = 0; from < count; from += chunk) {
      int to = Math.min(count, from + chunk);
      try (NDManager sub = scope.newSubManager()) {
        NDArray batch =
            sub.create(
                Arrays.copyOfRange(points, from * per, to * per),
                new Shape(shape.batchShape(to - from)));
        float[] logits = model.logits(batch).toFloatArray();
        for (int p = from; p < to; p++) {
          int label = labels[chosen[p / (2 * k)]];
          out[p] = crossEntropy(logits, (p - from) * classes, classes, label);
        }
      }
    }
    return out;
  }

  /**
   * The batch moved off exact ties by noise of one grey level ({@code U(-1/255, 1/255)}, not
   * clipped): images with flat regions (saturated or upsampled pixels, zero backgrounds) put ties
   * into max-pooling and ReLUs, where the function has no gradient and central differences disagree
   * with any subgradient. The attacks take their gradients at such noisy points too (PGD's random
   * start).
   */
  private static float[] jittered(float[] pixels, SplittableRandom random) {
    float[] out = new float[pixels.length];
    for (int j = 0; j < out.length; j++) {
      out[j] = pixels[j] + (float) ((random.nextDouble() * 2 - 1) / 255.0);
    }
    return out;
  }

  /**
   * Direction {@code dir} for the sample whose gradient starts at {@code off}: entries ±1 scale.
   */
  private static void direction(
      float[] grad, int off, int per, int dir, SplittableRandom random, float[] out) {
    double maxAbs = 0;
    for (int j = 0; j < per; j++) {
      maxAbs = Math.max(maxAbs, Math.abs(grad[off + j]));
    }
    if (dir < 2 && maxAbs > 0) {
      for (int j = 0; j < per; j++) {
        float g = grad[off + j];
        out[j] = dir == 0 ? Math.signum(g) : (float) (g / maxAbs);
      }
      return;
    }
    for (int j = 0; j < per; j++) {
      out[j] = random.nextBoolean() ? 1f : -1f;
    }
  }

  private static int[] highestLoss(float[] logits, int[] labels, int classes, int m) {
    double[] loss = new double[labels.length];
    for (int i = 0; i < labels.length; i++) {
      loss[i] = crossEntropy(logits, i * classes, classes, labels[i]);
    }
    return IntStream.range(0, labels.length)
        .boxed()
        .sorted(Comparator.comparingDouble((Integer i) -> -loss[i]).thenComparingInt(i -> i))
        .limit(m)
        .mapToInt(Integer::intValue)
        .toArray();
  }

  /** {@code logsumexp(z) - z[label]} in double. */
  static double crossEntropy(float[] logits, int off, int classes, int label) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      max = Math.max(max, logits[off + c]);
    }
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      sum += Math.exp(logits[off + c] - max);
    }
    return max + Math.log(sum) - logits[off + label];
  }

  /** {@code max |a - b| / max |a|}; NaN anywhere gives infinity. */
  static double relativeDifference(float[] a, float[] b) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      double d = Math.abs((double) a[i] - b[i]);
      if (Double.isNaN(d)) {
        return Double.POSITIVE_INFINITY;
      }
      diff = Math.max(diff, d);
      scale = Math.max(scale, Math.abs(a[i]));
    }
    return scale > 0 ? diff / scale : diff;
  }
}

package io.adversarialprune.udfs.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.model.ClampBounds;
import io.adversarialprune.udfs.model.ClampedClassifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Probes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The feature-map clamp of a {@link ClampSpec} (grid kind A): bounds {@code mean - A*std} and
 * {@code mean + A*std} per channel of each selected probed layer, from the layer's clean
 * activations on calibration images (images that are not attacked), for a {@link
 * ClampedClassifier}.
 *
 * <p>Calibration, exactly: the layers are chosen among the model's probes by {@link #select}. For
 * each, over all calibration images and every position of a channel (dims 0, 2, 3 of {@code [N, C,
 * H, W]}; dim 0 of {@code [N, C]}), the mean and the unbiased (n-1) std, as {@code torch.std}, in
 * double precision; the bounds are those doubles rounded to float. Every layer is calibrated on the
 * same unclamped forward pass of the model as it is when this runs (after a spec's weight steps): a
 * layer's bounds do not depend on the clamps of the layers before it. Layers not selected get
 * infinite bounds (no clamp).
 *
 * <p>Determinism: the images go through {@code features} in batches of a fixed size ({@link
 * #batchSize}) in their given order and the per-batch sums are merged in that order (Chan et al.'s
 * pairwise update), so the same model file, weights, calibration images and batch size give the
 * same bounds bit for bit on every executor of one engine build and device kind; across devices
 * (CPU vs GPU kernels) the activations, and so the bounds, can differ in the last bits.
 *
 * <p>Memory: per batch, the activations of every probe (what {@code features} returns), plus one
 * layer at a time in double; nothing is kept across batches but the per-channel sums. The batch
 * size keeps a batch's features within {@link #FEATURE_BUDGET} floats. Stateless; native memory in
 * one sub-manager of the classifier's per batch; the calling thread's grad mode is restored.
 */
public final class ActivationClamp {

  /** The prefix of a clamped layer's row in {@code prune_stats}: {@code clamp:layer3}. */
  public static final String PARAMETER_PREFIX = "clamp:";

  /** The probe that {@link #select}'s default leaves out: clamping the output itself. */
  public static final String LOGITS = "logits";

  /** At most this many activation values (all probes) per calibration batch: 64 MiB of floats. */
  static final long FEATURE_BUDGET = 1L << 24;

  private ActivationClamp() {}

  /**
   * The images a clamp is calibrated on, and which layers it clamps.
   *
   * @param pixels the calibration images, NCHW in [0, 1], a whole number of the model's images
   * @param layers a Java regex matched against whole probe names ({@link #select}); "" = every
   *     probed layer but {@value #LOGITS}
   * @param batchSize the most images per {@code features} pass (further limited by {@link
   *     #FEATURE_BUDGET}); results depend on it only in the last bits
   */
  public record Calibration(float[] pixels, String layers, int batchSize) {
    public Calibration {
      if (pixels.length == 0) {
        throw new IllegalArgumentException("a clamp needs at least one calibration image");
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("calibration batch size must be >= 1, got " + batchSize);
      }
      Pattern.compile(layers);
    }
  }

  /**
   * A calibrated clamp.
   *
   * @param bounds one pair per probe (infinite for the layers not clamped), for {@link
   *     ClampedClassifier#of}
   * @param layers per clamped layer, in network order, its {@code prune_stats} row (see {@link
   *     ParameterStats} for what the fields mean here)
   */
  public record Result(ClampBounds bounds, List<ParameterStats> layers) {
    public Result {
      layers = List.copyOf(layers);
    }
  }

  /**
   * The indexes of the probes that {@code layers} selects, in network order: the names it matches
   * whole ({@link java.util.regex.Matcher#matches()}, so {@code layer3} is layer3 alone and {@code
   * layer[23]} two layers), or with {@code ""} every probe but {@value #LOGITS}.
   */
  public static List<Integer> select(List<String> probes, String layers) {
    Pattern pattern = Pattern.compile(layers);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < probes.size(); i++) {
      String name = probes.get(i);
      if (layers.isEmpty() ? !name.equals(LOGITS) : pattern.matcher(name).matches()) {
        out.add(i);
      }
    }
    return List.copyOf(out);
  }

  /**
   * What is wrong with choosing {@code layers} among {@code probes}, one message each naming {@code
   * key} and listing the probes; empty when nothing is. Wrong: a plain name among the regex's
   * top-level alternatives ({@code layer3|layer9}) that is not a probe, and a regex that selects no
   * probe at all.
   */
  public static List<String> problems(List<String> probes, String layers, String key) {
    String list = " (the model's probes: " + String.join(", ", probes) + ")";
    List<String> out = new ArrayList<>();
    for (String alternative : layers.split("\\|", -1)) {
      String name = alternative.trim();
      if (name.matches("[A-Za-z_][A-Za-z0-9_.]*") && !probes.contains(name)) {
        out.add(key + " names layer '" + name + "', which the model does not probe" + list);
      }
    }
    if (out.isEmpty() && select(probes, layers).isEmpty()) {
      out.add(key + " '" + layers + "' matches none of the model's probed layers" + list);
    }
    return out;
  }

  /**
   * Images per {@code features} pass for {@code probes}: {@code batchSize}, or fewer when a batch's
   * activations would exceed {@link #FEATURE_BUDGET} values; at least 1.
   */
  public static int batchSize(Probes probes, int batchSize) {
    long perImage = 0;
    for (int i = 0; i < probes.size(); i++) {
      perImage += probes.elements(i);
    }
    return (int) Math.max(1, Math.min(batchSize, FEATURE_BUDGET / Math.max(1, perImage)));
  }

  /**
   * Calibrates a clamp of {@code multiple} standard deviations on {@code calibration}, on the
   * classifier of {@code probes} as it is now, through its plain probes (the bounds come from its
   * unclamped activations).
   *
   * @throws IllegalArgumentException when {@code multiple} is not positive, the images are not a
   *     whole number of the model's, or the layers select no probe
   * @throws IllegalStateException when the probes are a clamped classifier's
   */
  public static Result calibrate(Probes probes, Calibration calibration, double multiple) {
    if (!(multiple > 0) || Double.isInfinite(multiple)) {
      throw new IllegalArgumentException("clamp multiple must be finite and > 0, got " + multiple);
    }
    if (probes.clamped()) {
      throw new IllegalStateException("calibrate a clamp on the unclamped model");
    }
    InputShape in = probes.classifier().inputShape();
    float[] pixels = calibration.pixels();
    if (pixels.length % in.pixels() != 0) {
      throw new IllegalArgumentException(
          pixels.length + " calibration values are not a whole number of images " + in.describe(1));
    }
    List<Integer> layers = select(probes.names(), calibration.layers());
    if (layers.isEmpty()) {
      throw new IllegalArgumentException(
          problems(probes.names(), calibration.layers(), "clamp layers").get(0));
    }
    int images = pixels.length / in.pixels();
    int batch = batchSize(probes, calibration.batchSize());
    Moments[] before = new Moments[layers.size()];
    for (int k = 0; k < layers.size(); k++) {
      before[k] = new Moments(channels(probes.shape(layers.get(k))));
    }
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      forEachActivation(
          probes, pixels, images, batch, layers, (k, a, scope) -> before[k].addChannels(a));
      List<float[]> lower = new ArrayList<>();
      List<float[]> upper = new ArrayList<>();
      for (int i = 0; i < probes.size(); i++) {
        lower.add(new float[] {Float.NEGATIVE_INFINITY});
        upper.add(new float[] {Float.POSITIVE_INFINITY});
      }
      for (int k = 0; k < layers.size(); k++) {
        float[][] b = before[k].bounds(multiple);
        lower.set(layers.get(k), b[0]);
        upper.set(layers.get(k), b[1]);
      }
      ClampBounds bounds = new ClampBounds(lower, upper);
      // Second pass: what the bounds do to the calibration images' activations, layer by layer.
      Moments[] after = new Moments[layers.size()];
      long[] clipped = new long[layers.size()];
      for (int k = 0; k < layers.size(); k++) {
        after[k] = new Moments(1);
      }
      forEachActivation(
          probes,
          pixels,
          images,
          batch,
          layers,
          (k, a, scope) -> {
            Shape perChannel = perChannel(a.getShape());
            NDArray lo = scope.create(bounds.lower(layers.get(k))).reshape(perChannel);
            NDArray hi = scope.create(bounds.upper(layers.get(k))).reshape(perChannel);
            NDArray clamped = a.maximum(lo).minimum(hi);
            clipped[k] += clamped.neq(a).countNonzero().getLong();
            after[k].addWhole(clamped);
          });
      List<ParameterStats> stats = new ArrayList<>();
      for (int k = 0; k < layers.size(); k++) {
        int i = layers.get(k);
        double[] whole = before[k].whole();
        double[] clampedWhole = after[k].whole();
        stats.add(
            new ParameterStats(
                PARAMETER_PREFIX + probes.names().get(i),
                (long) images * probes.elements(i),
                clipped[k],
                whole[0],
                whole[1],
                clampedWhole[0],
                clampedWhole[1],
                null));
      }
      return new Result(bounds, stats);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** What a pass over the calibration images does with one selected layer's batch activation. */
  private interface ActivationUse {
    /**
     * @param k the index into the selected layers
     * @param activation the layer's activation of the batch, freed after this returns
     * @param scope the batch's manager, freed after the batch
     */
    void accept(int k, NDArray activation, NDManager scope);
  }

  /**
   * Runs the probes over the {@code images} images of {@code pixels}, {@code batch} at a time, each
   * batch in its own sub-manager, and hands every selected layer's activation to {@code use}.
   */
  private static void forEachActivation(
      Probes probes,
      float[] pixels,
      int images,
      int batch,
      List<Integer> layers,
      ActivationUse use) {
    for (int from = 0; from < images; from += batch) {
      int to = Math.min(images, from + batch);
      try (NDManager scope = probes.classifier().manager().newSubManager()) {
        NDList out = features(probes, scope, pixels, from, to);
        for (int k = 0; k < layers.size(); k++) {
          NDArray a = out.get(layers.get(k));
          use.accept(k, a, scope);
          a.close();
        }
      }
    }
  }

  private static NDList features(Probes probes, NDManager scope, float[] pixels, int from, int to) {
    InputShape in = probes.classifier().inputShape();
    float[] slice = Arrays.copyOfRange(pixels, from * in.pixels(), to * in.pixels());
    return probes.features(scope.create(slice, new Shape(in.batchShape(to - from))));
  }

  /** Channels of a per-image activation shape: dim 0, or 1 for a scalar per image. */
  private static int channels(long[] shape) {
    return shape.length == 0 ? 1 : Math.toIntExact(shape[0]);
  }

  /** {@code [1, C, 1, ...]}: a per-channel vector broadcast against {@code shape}. */
  private static Shape perChannel(Shape shape) {
    long[] s = new long[shape.dimension()];
    Arrays.fill(s, 1);
    if (s.length > 1) {
      s[1] = shape.get(1);
    }
    return new Shape(s);
  }

  /**
   * Count, mean and sum of squared deviations per channel, merged batch by batch in double
   * precision (Chan, Golub and LeVeque's pairwise update); every channel sees the same count.
   */
  private static final class Moments {
    private final double[] mean;
    private final double[] m2;
    private long count;

    Moments(int channels) {
      mean = new double[channels];
      m2 = new double[channels];
    }

    /** Adds an activation batch {@code [N, C, ...]} per channel (dim 1). */
    void addChannels(NDArray a) {
      try (NDArray d = a.toType(DataType.FLOAT64, false)) {
        int[] axes = new int[Math.max(1, d.getShape().dimension() - 1)];
        axes[0] = 0;
        for (int j = 1; j < axes.length; j++) {
          axes[j] = j + 1;
        }
        if (d.getShape().dimension() == 1) {
          merge(new double[] {d.mean().getDouble()}, new double[] {m2Of(d)}, d.size());
          return;
        }
        long perChannel = d.size() / d.getShape().get(1);
        // DJL's mean takes one axis; the sum takes several.
        NDArray batchMean = d.sum(axes).div(perChannel);
        NDArray centered = d.sub(batchMean.reshape(perChannel(d.getShape())));
        double[] bm = batchMean.toDoubleArray();
        double[] bm2 = centered.square().sum(axes).toDoubleArray();
        merge(bm, bm2, perChannel);
      }
    }

    /** Adds a batch as one channel: every value together. */
    void addWhole(NDArray a) {
      try (NDArray d = a.toType(DataType.FLOAT64, false)) {
        merge(new double[] {d.mean().getDouble()}, new double[] {m2Of(d)}, d.size());
      }
    }

    private static double m2Of(NDArray d) {
      return d.sub(d.mean()).square().sum().getDouble();
    }

    private void merge(double[] batchMean, double[] batchM2, long n) {
      long total = count + n;
      for (int c = 0; c < mean.length; c++) {
        double delta = batchMean[c] - mean[c];
        mean[c] += delta * n / total;
        m2[c] += batchM2[c] + delta * delta * ((double) count * n / total);
      }
      count = total;
    }

    /** Per channel {lower, upper} = mean -+ multiple * unbiased std, rounded to float. */
    float[][] bounds(double multiple) {
      float[] lo = new float[mean.length];
      float[] hi = new float[mean.length];
      for (int c = 0; c < mean.length; c++) {
        double std = count > 1 ? Math.sqrt(m2[c] / (count - 1)) : 0;
        lo[c] = (float) (mean[c] - multiple * std);
        hi[c] = (float) (mean[c] + multiple * std);
      }
      return new float[][] {lo, hi};
    }

    /** {mean, unbiased std} of every value of every channel together. */
    double[] whole() {
      int channels = mean.length;
      double grand = 0;
      for (double m : mean) {
        grand += m;
      }
      grand /= channels;
      double ss = 0;
      for (int c = 0; c < channels; c++) {
        double d = mean[c] - grand;
        ss += m2[c] + count * d * d;
      }
      long n = count * channels;
      return new double[] {grand, n > 1 ? Math.sqrt(ss / (n - 1)) : Double.NaN};
    }
  }
}

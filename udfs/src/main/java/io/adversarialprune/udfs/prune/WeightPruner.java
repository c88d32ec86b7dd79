package io.adversarialprune.udfs.prune;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Prunes a loaded model's parameters in place, with bitwise restore: the study's E, S, R and the
 * torch kinds (L1, L1G, LN1, LN2, RANDOM, Q, QC), alone or composed in {@link PruneType} order, as
 * docs/PRUNING.md specifies element by element (what changes, what counts as changed, how ties and
 * seeds go). The feature-map clamp ({@link ClampSpec}) changes no weight and is no business of this
 * class; {@link ActivationClamp} calibrates it.
 *
 * <p>The constructor snapshots the values of the model's own parameter tensors once as host arrays;
 * {@link #apply} computes pruned values from the snapshot and copies them into the same native
 * tensors, {@link #restore} copies the snapshot back. Buffers (batch-norm running statistics) are
 * never written. Temporary arrays live in sub-managers closed right after each copy; writes run
 * with grad mode off, restored afterwards.
 *
 * <p>Not thread-safe: one pruner per model instance (per task slot). {@link #close()} frees the
 * snapshot only; the model stays as it is (call {@link #restore()} first to leave it original).
 */
public final class WeightPruner implements AutoCloseable {

  /** The whole tensor, whatever its rank. */
  private static final NDIndex ALL = new NDIndex("...");

  /** {@code torch.finfo(torch.float32).eps}, torch's observers' lower bound on a scale. */
  static final float FLOAT32_EPS = Math.ulp(1.0f);

  /** Makes RANDOM's stream for a parameter independent of R's. */
  private static final String RANDOM_SALT = "#RANDOM";

  private final List<Entry> entries;
  private Map<String, Double> pValues;
  private boolean closed;

  /**
   * @param params the model's own parameter tensors, name to array, in the model's order; all must
   *     be float32 PyTorch arrays that accept in-place writes (load TorchScript with {@code
   *     Map.of("trainParam", "true")}; the default load makes inference tensors). Later edits are
   *     made in place on these arrays; the constructor writes the same values back once to check
   *     that.
   * @throws IllegalArgumentException naming a parameter that is not float32
   * @throws IllegalStateException naming a parameter that refuses in-place writes
   */
  public WeightPruner(Map<String, NDArray> params) {
    List<Entry> list = new ArrayList<>(params.size());
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray array = e.getValue();
      if (array.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException(
            "parameter "
                + e.getKey()
                + " must be float32 to be pruned, got "
                + array.getDataType());
      }
      list.add(new Entry(e.getKey(), array, array.getShape().getShape(), array.toFloatArray()));
    }
    this.entries = List.copyOf(list);
    // Fail at construction, not mid-sweep, if the tensors refuse in-place writes.
    restore();
  }

  /**
   * Restores the originals bitwise, then applies {@code spec}.
   *
   * @param seed seeds R's noise and RANDOM's choice together with each parameter's name; unused
   *     without R or RANDOM
   */
  public PruneReport apply(PruneSpec spec, long seed) {
    checkOpen();
    Map<String, Double> p = normalityPValues();
    int count = entries.size();
    // Pruned values, cloned from the snapshot on a parameter's first step; null = untouched.
    float[][] values = new float[count][];
    boolean[][] changed = new boolean[count][];
    for (PruneStep step : spec.steps()) {
      List<Integer> selected = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        Entry entry = entries.get(i);
        if (spec.selects(step.type(), entry.name, entry.shape.length)) {
          selected.add(i);
          if (values[i] == null) {
            values[i] = entry.original.clone();
            changed[i] = new boolean[values[i].length];
          }
        }
      }
      if (step.type() == PruneType.L1G) {
        // One ranking over all selected tensors together, in the model's parameter order.
        pruneSmallest(
            selected.stream().map(i -> values[i]).toArray(float[][]::new),
            selected.stream().map(i -> changed[i]).toArray(boolean[][]::new),
            step.value());
        continue;
      }
      for (int i : selected) {
        Entry entry = entries.get(i);
        float[] w = values[i];
        boolean[] c = changed[i];
        double v = step.value();
        switch (step.type()) {
          case E -> pruneE(w, c, v);
          case S -> {
            Double pValue = p.get(entry.name);
            boolean gatedIn =
                !spec.normalityGate() || (pValue != null && pValue < PruneSpec.NORMALITY_ALPHA);
            if (gatedIn) {
              double[] moments = entry.moments();
              pruneS(w, c, moments[0], moments[1], v);
            }
          }
          case R -> pruneR(w, c, v, noiseSeed(seed, entry.name));
          case L1 -> pruneSmallest(new float[][] {w}, new boolean[][] {c}, v);
          case LN1 -> pruneChannels(w, c, channels(entry), 1, v);
          case LN2 -> pruneChannels(w, c, channels(entry), 2, v);
          case RANDOM -> pruneRandom(w, c, v, noiseSeed(seed, entry.name + RANDOM_SALT));
          case Q -> quantize(w, c, 1, (int) v);
          case QC -> quantize(w, c, channels(entry), (int) v);
          case L1G, NONE -> {}
        }
      }
    }
    List<ParameterStats> stats = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Entry entry = entries.get(i);
      double[] moments = entry.moments();
      Double pValue = p.get(entry.name);
      if (values[i] == null) {
        write(entry, entry.original);
        stats.add(
            new ParameterStats(
                entry.name,
                entry.original.length,
                0,
                moments[0],
                moments[1],
                moments[0],
                moments[1],
                pValue));
        continue;
      }
      long touched = 0;
      for (boolean c : changed[i]) {
        if (c) {
          touched++;
        }
      }
      write(entry, values[i]);
      double[] after = meanStd(values[i]);
      stats.add(
          new ParameterStats(
              entry.name,
              values[i].length,
              touched,
              moments[0],
              moments[1],
              after[0],
              after[1],
              pValue));
    }
    return new PruneReport(stats);
  }

  /** Writes the original values back into the model's tensors, bitwise; no file reload. */
  public void restore() {
    checkOpen();
    for (Entry entry : entries) {
      write(entry, entry.original);
    }
  }

  /**
   * normaltest p-values of the original tensors by name, in the model's order; null for tensors
   * with fewer than 8 elements. Computed once, then cached.
   */
  public Map<String, Double> normalityPValues() {
    checkOpen();
    if (pValues == null) {
      Map<String, Double> map = new LinkedHashMap<>();
      for (Entry entry : entries) {
        map.put(entry.name, entry.pValue());
      }
      pValues = Collections.unmodifiableMap(map);
    }
    return pValues;
  }

  /** Frees the host snapshot. Does not restore the model. */
  @Override
  public void close() {
    closed = true;
    for (Entry entry : entries) {
      entry.original = null;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("WeightPruner is closed");
    }
  }

  private static void pruneE(float[] w, boolean[] changed, double e) {
    for (int i = 0; i < w.length; i++) {
      // Compare in double: the threshold is a double and |w| is exact in double.
      if (Math.abs((double) w[i]) < e) {
        w[i] = 0f;
        changed[i] = true;
      }
    }
  }

  private static void pruneS(float[] w, boolean[] changed, double mean, double std, double s) {
    float lo = (float) (mean - s * std);
    float hi = (float) (mean + s * std);
    for (int i = 0; i < w.length; i++) {
      float v = w[i];
      float c = v < lo ? lo : (v > hi ? hi : v);
      if (c != v) {
        w[i] = c;
        changed[i] = true;
      }
    }
  }

  private static void pruneR(float[] w, boolean[] changed, double r, long seed) {
    if (r == 0) {
      return;
    }
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = 0; i < w.length; i++) {
      float noise = (float) ((2 * rng.nextDouble() - 1) * r);
      float v = w[i] + noise;
      if (v != w[i]) {
        w[i] = v;
        changed[i] = true;
      }
    }
  }

  /**
   * L1 (unstructured) on the concatenation of {@code ws}: zeroes the {@code round(amount * N)}
   * elements of smallest {@code |w|}, as {@code torch.topk(|t|.view(-1), k, largest=False)} picks
   * them; among equal {@code |w|} at the boundary the earlier element (lower flat index in the
   * concatenation) goes first. Zeroing multiplies by 0 as torch's mask does, so a negative weight
   * becomes {@code -0.0}. Every masked element counts as changed, also one that was already 0.
   */
  static void pruneSmallest(float[][] ws, boolean[][] changed, double amount) {
    long total = 0;
    for (float[] w : ws) {
      total += w.length;
    }
    long k = elementsToPrune(amount, total);
    if (k == 0) {
      return;
    }
    // |w| of a non-NaN float orders as its bit pattern with the sign cleared (NaN sorts last, as
    // torch's comparator puts it). The k-th smallest pattern comes from two 16-bit histogram
    // passes (a radix select): O(n), and no copy of the tensors.
    long[] high = new long[1 << 16];
    for (float[] w : ws) {
      for (float v : w) {
        high[(Float.floatToRawIntBits(v) & 0x7fffffff) >>> 16]++;
      }
    }
    int hi = 0;
    long below = 0;
    while (below + high[hi] < k) {
      below += high[hi++];
    }
    long[] low = new long[1 << 16];
    for (float[] w : ws) {
      for (float v : w) {
        int key = Float.floatToRawIntBits(v) & 0x7fffffff;
        if (key >>> 16 == hi) {
          low[key & 0xffff]++;
        }
      }
    }
    int lo = 0;
    while (below + low[lo] < k) {
      below += low[lo++];
    }
    int threshold = hi << 16 | lo;
    long ties = k - below;
    for (int t = 0; t < ws.length; t++) {
      float[] w = ws[t];
      for (int i = 0; i < w.length; i++) {
        int key = Float.floatToRawIntBits(w[i]) & 0x7fffffff;
        if (key < threshold || (key == threshold && ties-- > 0)) {
          w[i] = w[i] * 0f;
          changed[t][i] = true;
        }
      }
    }
  }

  /**
   * Ln structured on dim 0: zeroes the {@code round(amount * C)} output channels of smallest Ln
   * norm (torch keeps {@code torch.topk(norms, C - k, largest=True)}); among equal norms the lower
   * channel index is pruned first. Norms are summed in double (torch sums in float32), so the
   * ranking can differ from torch's only where two channel norms agree to float precision.
   */
  static void pruneChannels(float[] w, boolean[] changed, int channels, int n, double amount) {
    int k = (int) elementsToPrune(amount, channels);
    if (k == 0) {
      return;
    }
    int per = w.length / channels;
    double[] norms = new double[channels];
    for (int ch = 0; ch < channels; ch++) {
      double sum = 0;
      for (int i = ch * per; i < (ch + 1) * per; i++) {
        double v = w[i];
        sum += n == 1 ? Math.abs(v) : v * v;
      }
      norms[ch] = n == 1 ? sum : Math.sqrt(sum);
    }
    Integer[] order = new Integer[channels];
    for (int ch = 0; ch < channels; ch++) {
      order[ch] = ch;
    }
    // Stable: equal norms keep index order.
    Arrays.sort(order, (a, b) -> Double.compare(norms[a], norms[b]));
    for (int r = 0; r < k; r++) {
      int ch = order[r];
      for (int i = ch * per; i < (ch + 1) * per; i++) {
        w[i] = w[i] * 0f;
        changed[i] = true;
      }
    }
  }

  /**
   * Random unstructured: zeroes {@code round(amount * n)} elements chosen uniformly (a partial
   * Fisher-Yates shuffle of the indices driven by {@code seed}). Zeroes and counts as the L1 kinds
   * do.
   */
  static void pruneRandom(float[] w, boolean[] changed, double amount, long seed) {
    int n = w.length;
    int k = (int) elementsToPrune(amount, n);
    if (k == 0) {
      return;
    }
    SplittableRandom rng = new SplittableRandom(seed);
    int[] index = new int[n];
    for (int i = 0; i < n; i++) {
      index[i] = i;
    }
    for (int i = 0; i < k; i++) {
      int j = i + rng.nextInt(n - i);
      int pick = index[j];
      index[j] = index[i];
      index[i] = pick;
      w[pick] = w[pick] * 0f;
      changed[pick] = true;
    }
  }

  /**
   * Symmetric fake quantization to {@code bits} with one scale per channel of dim 0 ({@code
   * channels} = 1: per tensor): {@code scale = max(max|w| / qmax, FLOAT32_EPS)} in float ({@code
   * qmax = 2^(bits-1) - 1}; the lower bound is the one torch's observers apply, and it keeps an
   * all-zero channel from dividing by 0), zero point 0, then torch 1.13's CPU kernel exactly:
   * {@code q = clamp(nearbyint(w * (1f / scale)), qmin, qmax)} (multiplying by the float inverse,
   * not dividing, and rounding half to even; q goes through an integer, so it is never -0), {@code
   * w = q * scale} in float. An element counts as changed when its value changed ({@code -0.0} to
   * {@code +0.0} is no change).
   */
  static void quantize(float[] w, boolean[] changed, int channels, int bits) {
    int qmax = (1 << (bits - 1)) - 1;
    int qmin = -(1 << (bits - 1));
    int per = w.length / channels;
    for (int ch = 0; ch < channels; ch++) {
      int from = ch * per;
      int to = from + per;
      float maxAbs = 0f;
      for (int i = from; i < to; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(w[i]));
      }
      float scale = Math.max(maxAbs / qmax, FLOAT32_EPS);
      float inverse = 1.0f / scale;
      for (int i = from; i < to; i++) {
        float v = w[i];
        long q = (long) Math.rint(v * inverse);
        float out = Math.min(Math.max(q, qmin), qmax) * scale;
        // Written even when equal: torch turns -0.0 (e.g. from an earlier mask) into +0.0.
        w[i] = out;
        if (out != v) {
          changed[i] = true;
        }
      }
    }
  }

  /**
   * torch's {@code _compute_nparams_toprune} for a float amount: {@code round(amount * n)},
   * Python's round half to even on the double product.
   */
  static long elementsToPrune(double amount, long n) {
    return (long) Math.rint(amount * n);
  }

  /** Output channels (dim 0) of a tensor of rank >= 2. */
  private static int channels(Entry entry) {
    return (int) entry.shape[0];
  }

  /** Mixes the run's seed with a stable 64-bit hash (FNV-1a) of the parameter's name. */
  static long noiseSeed(long seed, String name) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    long z = seed * 0x9E3779B97F4A7C15L ^ h;
    // splitmix64 finalizer, so nearby seeds give unrelated streams.
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Mean and unbiased (n-1) std in double, as torch's {@code mean()} and {@code std()}. */
  static double[] meanStd(float[] w) {
    int n = w.length;
    double sum = 0;
    for (float v : w) {
      sum += v;
    }
    double mean = n == 0 ? Double.NaN : sum / n;
    double ss = 0;
    for (float v : w) {
      double d = v - mean;
      ss += d * d;
    }
    double std = n < 2 ? Double.NaN : Math.sqrt(ss / (n - 1));
    return new double[] {mean, std};
  }

  /**
   * Copies {@code values} into the parameter's existing storage with an index put (torch's {@code
   * index_put_} over the full tensor), on the tensor's own device. Deliberately not {@code
   * NDArray.set(Buffer)}: on CPU, DJL's {@code torchSet} swaps the tensor's storage for the direct
   * buffer's memory (no copy), so the model would alias a Java buffer; on CUDA it also swaps the
   * storage ({@code set_}) instead of copying into it.
   */
  private static void write(Entry entry, float[] values) {
    // Weight edits are not part of any graph; grad mode is thread-local and PGD code may have it
    // on, which would refuse an in-place write into a leaf that requires grad.
    boolean gradMode = JniUtils.isGradMode();
    if (gradMode) {
      JniUtils.setGradMode(false);
    }
    try (NDManager scope = entry.array.getManager().newSubManager()) {
      NDArray source = scope.create(values, entry.array.getShape());
      entry.array.set(ALL, source);
    } catch (EngineException e) {
      throw new IllegalStateException(
          "Cannot write parameter "
              + entry.name
              + " in place (a model loaded without"
              + " Map.of(\"trainParam\", \"true\") holds inference tensors, which refuse"
              + " in-place writes)",
          e);
    } finally {
      if (gradMode) {
        JniUtils.setGradMode(true);
      }
    }
  }

  private static final class Entry {
    final String name;
    final NDArray array;
    final long[] shape;
    float[] original;
    private double[] moments;
    private Double pValue;
    private boolean pComputed;

    Entry(String name, NDArray array, long[] shape, float[] original) {
      this.name = name;
      this.array = array;
      this.shape = shape;
      this.original = original;
    }

    double[] moments() {
      if (moments == null) {
        moments = meanStd(original);
      }
      return moments;
    }

    Double pValue() {
      if (!pComputed) {
        pValue =
            original.length < NormalityTest.MIN_ELEMENTS
                ? null
                : NormalityTest.dAgostinoPearsonP(original);
        pComputed = true;
      }
      return pValue;
    }
  }
}

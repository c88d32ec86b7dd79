package io.adversarialprune.udfs.prune;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Prunes a loaded model's parameters in place, with bitwise restore.
 *
 * <p>The constructor takes the model's own parameter tensors (for a TorchScript model,
 * {@code block.getParameters()} values' arrays: the tensors the module computes with) and
 * snapshots their values once as host {@code float[]}. {@link #apply} computes the pruned values
 * from the snapshot on the host and copies them into the same native tensors (an in-place index
 * put on the tensor's device, so the module computes with them); {@link #restore} copies the
 * snapshot back the same way. The only NDArrays created are the per-tensor copy sources, each in
 * a sub-manager closed right after the copy: nothing stays attached to the model's manager.
 * Only parameters are touched; buffers such as batch-norm running statistics are not in the
 * map and are never written.
 *
 * <p>Semantics (the study's):
 *
 * <ul>
 *   <li>E: {@code w = 0 where |w| < E}. Every element with {@code |w| < E} counts as changed,
 *       including elements that were already exactly 0 (the count {@code (|w| < E).sum()} that
 *       the fixture's PyTorch reference and the study's ratio use).
 *   <li>S: clamp to {@code [mean - S*std, mean + S*std]} with the mean and unbiased (n-1) std of
 *       the ORIGINAL tensor (before E). With the normality gate on, only tensors whose normaltest
 *       p-value is below 1e-5 are clamped, i.e. tensors that are NOT normal (the study's comment
 *       says the opposite of what its code does; this keeps the code's behaviour). Tensors with
 *       fewer than 8 elements (scipy's minimum) have no p-value and are not clamped while the gate
 *       is on. The bounds are computed in double and rounded to float. An element counts as
 *       changed when the clamp changed its value.
 *   <li>R: {@code w = w + U[-R, R]}: noise {@code (float) ((2u - 1) * R)} with {@code u} from a
 *       {@link SplittableRandom} seeded only by (seed, parameter name), drawn in element order
 *       and added in float, so every task, thread and JVM builds the same model for the same
 *       seed. An element counts as changed when the addition changed its value.
 *   <li>Composite: E, then S, then R; an element changed by several steps counts once, and the
 *       report's ratio is over all parameter elements.
 * </ul>
 *
 * <p>Writes run with grad mode off (restored afterwards), so they work whether or not the
 * parameters are frozen and whatever the calling thread's grad mode.
 *
 * <p>Not thread-safe: one pruner per model instance (per task slot). {@link #close()} frees the
 * snapshot only; the model stays as it is (call {@link #restore()} first to leave it original).
 */
public final class WeightPruner implements AutoCloseable {

  /** The whole tensor, whatever its rank. */
  private static final NDIndex ALL = new NDIndex("...");

  private final List<Entry> entries;
  private Map<String, Double> pValues;
  private boolean closed;

  /**
   * @param params the model's own parameter tensors, name to array, in the model's order; all
   *     must be float32 PyTorch arrays that accept in-place writes (load TorchScript with
   *     {@code Map.of("trainParam", "true")}; the default load makes inference tensors). Later
   *     edits are made in place on these arrays; the constructor writes the same values back once
   *     to check that.
   * @throws IllegalArgumentException naming a parameter that is not float32
   * @throws IllegalStateException naming a parameter that refuses in-place writes
   */
  public WeightPruner(Map<String, NDArray> params) {
    List<Entry> list = new ArrayList<>(params.size());
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray array = e.getValue();
      if (array.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException(
            "parameter " + e.getKey() + " must be float32 to be pruned, got "
                + array.getDataType());
      }
      list.add(new Entry(e.getKey(), array, array.toFloatArray()));
    }
    this.entries = List.copyOf(list);
    // Fail at construction, not mid-sweep, if the tensors refuse in-place writes.
    restore();
  }

  /**
   * Restores the originals bitwise, then applies {@code spec}.
   *
   * @param seed seeds R's noise together with each parameter's name; unused without R
   */
  public PruneReport apply(PruneSpec spec, long seed) {
    checkOpen();
    Map<String, Double> p = normalityPValues();
    List<ParameterStats> stats = new ArrayList<>(entries.size());
    for (Entry entry : entries) {
      float[] orig = entry.original;
      double[] moments = entry.moments();
      Double pValue = p.get(entry.name);
      if (spec.steps().isEmpty() || !spec.selects(entry.name)) {
        write(entry, orig);
        stats.add(
            new ParameterStats(entry.name, orig.length, 0, moments[0], moments[1],
                moments[0], moments[1], pValue));
        continue;
      }
      float[] w = orig.clone();
      boolean[] changed = new boolean[w.length];
      for (PruneStep step : spec.steps()) {
        switch (step.type()) {
          case E -> pruneE(w, changed, step.value());
          case S -> {
            boolean gatedIn =
                !spec.normalityGate() || (pValue != null && pValue < PruneSpec.NORMALITY_ALPHA);
            if (gatedIn) {
              pruneS(w, changed, moments[0], moments[1], step.value());
            }
          }
          case R -> pruneR(w, changed, step.value(), noiseSeed(seed, entry.name));
          case NONE -> { }
        }
      }
      long count = 0;
      for (boolean c : changed) {
        if (c) {
          count++;
        }
      }
      write(entry, w);
      double[] after = meanStd(w);
      stats.add(
          new ParameterStats(entry.name, w.length, count, moments[0], moments[1], after[0],
              after[1], pValue));
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
   * Copies {@code values} into the parameter's existing storage with an index put (torch's
   * {@code index_put_} over the full tensor), on the tensor's own device. Deliberately not
   * {@code NDArray.set(Buffer)}: on CPU, DJL's {@code torchSet} swaps the tensor's storage for the
   * direct buffer's memory (no copy), so the model would alias a Java buffer; on CUDA it also swaps
   * the storage ({@code set_}) instead of copying into it.
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
          "Cannot write parameter " + entry.name + " in place (a model loaded without"
              + " Map.of(\"trainParam\", \"true\") holds inference tensors, which refuse"
              + " in-place writes)", e);
    } finally {
      if (gradMode) {
        JniUtils.setGradMode(true);
      }
    }
  }

  private static final class Entry {
    final String name;
    final NDArray array;
    float[] original;
    private double[] moments;
    private Double pValue;
    private boolean pComputed;

    Entry(String name, NDArray array, float[] original) {
      this.name = name;
      this.array = array;
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

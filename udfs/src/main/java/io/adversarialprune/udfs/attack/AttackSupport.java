package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Network;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * What every attack does around its steps: checks, the runs of restarts and targets, packing rows,
 * early stop, rounding. Stateless.
 */
final class AttackSupport {

  private AttackSupport() {}

  /** Throws unless {@code source} gives input gradients. */
  static void checkDifferentiable(Network source, String attack) {
    if (source.mode() != Classifier.Mode.DIFFERENTIABLE) {
      throw new IllegalArgumentException(
          attack
              + " needs input gradients, but model "
              + source.file()
              + " was loaded for inference");
    }
  }

  /** Checks array lengths against each other and the shape; returns the batch size. */
  static int checkBatch(InputShape shape, long[] ids, int[] labels, float[] pixels) {
    int n = labels.length;
    if (ids.length != n) {
      throw new IllegalArgumentException("batch has " + ids.length + " ids but " + n + " labels");
    }
    if (n == 0) {
      throw new IllegalArgumentException("batch is empty");
    }
    if (pixels.length != (long) n * shape.pixels()) {
      throw new IllegalArgumentException(
          "batch of "
              + n
              + " images of shape "
              + shape.describe(n)
              + " needs "
              + (long) n * shape.pixels()
              + " pixel values, got "
              + pixels.length);
    }
    return n;
  }

  /** The rows {@code rows[k]} of {@code all} (rows of {@code per} values), packed in order. */
  static float[] pick(float[] all, int per, int[] rows) {
    float[] out = new float[rows.length * per];
    for (int k = 0; k < rows.length; k++) {
      System.arraycopy(all, rows[k] * per, out, k * per, per);
    }
    return out;
  }

  /** The entries {@code rows[k]} of {@code all}. */
  static int[] pick(int[] all, int[] rows) {
    int[] out = new int[rows.length];
    for (int k = 0; k < rows.length; k++) {
      out[k] = all[rows[k]];
    }
    return out;
  }

  /** The entries {@code rows[k]} of {@code all}. */
  static long[] pick(long[] all, int[] rows) {
    long[] out = new long[rows.length];
    for (int k = 0; k < rows.length; k++) {
      out[k] = all[rows[k]];
    }
    return out;
  }

  /** Writes packed row {@code k} of {@code packed} to row {@code row} of {@code all}. */
  static void put(float[] packed, int k, float[] all, int row, int per) {
    System.arraycopy(packed, k * per, all, row * per, per);
  }

  /** The indices {@code k} where {@code keep[k]}. */
  static int[] where(boolean[] keep) {
    int count = 0;
    for (boolean b : keep) {
      count += b ? 1 : 0;
    }
    int[] out = new int[count];
    for (int k = 0, j = 0; k < keep.length; k++) {
      if (keep[k]) {
        out[j++] = k;
      }
    }
    return out;
  }

  /**
   * The smallest of the buckets {@code n, ceil(n/2), ceil(n/4), ..., 1} that holds {@code live}
   * rows ({@code 1 <= live <= n}). Every batch an attack hands the engine is a bucket of the batch
   * it was given, so a handful of sizes repeat from batch to batch and the engine check ({@code
   * udfs.check.EngineCheck}, run per batch size where the numbers are computed) can vouch for each
   * of them in advance.
   */
  static int bucket(int n, int live) {
    int bucket = n;
    while (bucket > 1 && (bucket + 1) / 2 >= live) {
      bucket = (bucket + 1) / 2;
    }
    return bucket;
  }

  /**
   * The rows of a restart's batch: {@code todo} (the samples still to restart, positions in a batch
   * of {@code n}), padded to {@link #bucket} size by repeating {@code todo[0]}. The filler rows are
   * attacked (or, with early stop, carried dead) and their results ignored; they cost at most as
   * much again as the live rows and keep the batch at a size the engine check has checked.
   */
  static int[] restartRows(int[] todo, int n) {
    int[] rows = java.util.Arrays.copyOf(todo, bucket(n, todo.length));
    java.util.Arrays.fill(rows, todo.length, rows.length, todo[0]);
    return rows;
  }

  /** {@code 0, 1, ..., n - 1}. */
  static int[] identity(int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = i;
    }
    return out;
  }

  /** int64 labels on {@code manager}. */
  static NDArray labels(NDManager manager, int[] labels) {
    long[] y = new long[labels.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = labels[i];
    }
    return manager.create(y);
  }

  /**
   * {@code round(255 x) / 255} in place, with the same tensor ops the study (and every earlier
   * result of this project) used, in a scope of {@code parent} freed before returning.
   */
  static void round8bit(NDManager parent, InputShape shape, float[] pixels) {
    int n = pixels.length / shape.pixels();
    try (NDManager scope = parent.newSubManager()) {
      NDArray x = scope.create(pixels, new Shape(shape.batchShape(n)));
      float[] rounded = x.mul(255f).round().div(255f).toFloatArray();
      System.arraycopy(rounded, 0, pixels, 0, pixels.length);
    }
  }

  /** Run {@code r} of an attack on some rows of the batch ({@link #bestOfRuns}). */
  interface Run {
    /**
     * The adversarial images of {@code rows} (positions in the batch; from {@code live} on,
     * filler), given their clean images and labels, packed in the same order.
     */
    float[] attack(int r, int[] rows, float[] clean, int[] labels, int live);
  }

  /**
   * The one forward pass that ranks run {@code r}'s images of {@code rows} ({@link #bestOfRuns}).
   */
  interface Score {
    Scores score(int r, int[] rows, int[] labels, float[] adversarial);
  }

  /** Per row: the prediction, and the loss by which the best run is chosen. */
  record Scores(long[] predictions, float[] losses) {}

  /**
   * Runs an attack {@code runs} times (restarts, or targets times restarts) and keeps, per sample,
   * the best result. Run 0 attacks the whole batch; each later run only the samples that no run has
   * misclassified yet, padded to a bucket of the batch ({@link #restartRows}). A sample keeps the
   * run whose image is misclassified, else the one of the highest loss ({@link #better}). With one
   * run there is no scoring pass and run 0's images are the result.
   *
   * @param labels the batch's labels
   * @param pixels the batch's clean images, rows of {@code per} values
   */
  static float[] bestOfRuns(int runs, int[] labels, float[] pixels, int per, Run run, Score score) {
    int n = labels.length;
    float[] best = new float[pixels.length];
    float[] bestLoss = new float[n];
    int[] todo = identity(n);
    for (int r = 0; r < runs && todo.length > 0; r++) {
      int[] rows = restartRows(todo, n);
      int[] y = pick(labels, rows);
      float[] adv = run.attack(r, rows, pick(pixels, per, rows), y, todo.length);
      if (runs == 1) {
        return adv;
      }
      Scores scored = score.score(r, rows, y, adv);
      boolean[] again = new boolean[todo.length];
      for (int k = 0; k < todo.length; k++) {
        boolean wrong = scored.predictions()[k] != y[k];
        float loss = scored.losses()[k];
        if (r == 0 || better(wrong, loss, bestLoss[todo[k]])) {
          put(adv, k, best, todo[k], per);
          bestLoss[todo[k]] = loss;
        }
        again[k] = !wrong;
      }
      todo = pick(todo, where(again));
    }
    return best;
  }

  /**
   * Whether a restart's candidate replaces the best so far: a misclassified candidate always
   * (samples that already have a misclassified best are not restarted), else the higher loss.
   */
  static boolean better(boolean candidateWrong, float candidateLoss, float bestLoss) {
    return candidateWrong || candidateLoss > bestLoss;
  }

  /**
   * Which tensor row of an early-stopping attack holds which sample. A stopped sample's row stays
   * in the batch, dead (its result is already copied out; what the engine computes for it later is
   * ignored), until the live rows fit the next smaller bucket of {@code n, ceil(n/2), ceil(n/4),
   * ..., 1}; then the batch shrinks to that bucket, live rows first and dead ones as filler. A
   * batch size the engine has not seen costs far more than a few dead rows (oneDNN makes new
   * primitives, TorchScript re-specializes its graph): shrinking at every stopped sample made early
   * stop slower than no early stop on the default model, while buckets keep the sizes to a handful
   * that repeat from batch to batch ({@link #bucket}). Not thread-safe; one per attack restart.
   */
  static final class Rows {
    private final int full;
    private int[] sample;
    private boolean[] alive;
    private int live;

    /** Rows {@code 0 .. live - 1} live, the rest filler ({@link #restartRows}), dead. */
    Rows(int n, int live) {
      full = n;
      sample = identity(n);
      alive = new boolean[n];
      java.util.Arrays.fill(alive, 0, live, true);
      this.live = live;
    }

    /** Rows in the batch tensors, dead ones included. */
    int size() {
      return sample.length;
    }

    /** Live samples. */
    int live() {
      return live;
    }

    /** The sample (position in the attack's arrays) of row {@code p}, live or dead. */
    int sample(int p) {
      return sample[p];
    }

    /** Sample positions of every row, dead ones included. */
    int[] samples() {
      return sample;
    }

    boolean alive(int p) {
      return alive[p];
    }

    /** Row {@code p}'s sample has stopped. */
    void stop(int p) {
      if (alive[p]) {
        alive[p] = false;
        live--;
      }
    }

    /**
     * Early stop: stops every live row {@code p} where {@code wrong.test(p)} and copies its current
     * image, row {@code p} of {@code images}, to its sample's row of {@code out}.
     *
     * @param images the batch's current images, fetched only when a row stops
     * @return the values of {@code images} when they were fetched, else null
     */
    float[] stopWrong(IntPredicate wrong, Supplier<float[]> images, float[] out, int per) {
      float[] xs = null;
      for (int p = 0; p < sample.length; p++) {
        if (alive[p] && wrong.test(p)) {
          xs = xs == null ? images.get() : xs;
          put(xs, p, out, sample[p], per);
          stop(p);
        }
      }
      return xs;
    }

    /** Copies each live row {@code p} of {@code images} to its sample's row of {@code out}. */
    void putLive(float[] images, float[] out, int per) {
      for (int p = 0; p < sample.length; p++) {
        if (alive[p]) {
          put(images, p, out, sample[p], per);
        }
      }
    }

    /**
     * The rows to keep, in order, when the live rows fit a smaller bucket (and this mapping then
     * describes the shrunk batch); {@code null} when the batch keeps its size.
     */
    int[] shrink() {
      if (live == 0) {
        return null;
      }
      int bucket = bucket(full, live);
      if (bucket >= sample.length) {
        return null;
      }
      int[] keep = new int[bucket];
      int k = 0;
      for (int p = 0; p < sample.length && k < bucket; p++) {
        if (alive[p]) {
          keep[k++] = p;
        }
      }
      for (int p = 0; p < sample.length && k < bucket; p++) {
        if (!alive[p]) {
          keep[k++] = p;
        }
      }
      java.util.Arrays.sort(keep);
      boolean[] keptAlive = new boolean[bucket];
      for (int j = 0; j < bucket; j++) {
        keptAlive[j] = alive[keep[j]];
      }
      sample = pick(sample, keep);
      alive = keptAlive;
      return keep;
    }
  }

  /**
   * Per sample, its first {@code count} target classes: the classes other than its label in
   * descending order of its logits, the lower class first on ties (for a correctly classified
   * sample, the 2nd, 3rd, ... largest logit, AutoAttack's targets).
   *
   * @param logits {@code labels.length * classes} values, row by row
   */
  static int[][] targetClasses(float[] logits, int classes, int[] labels, int count) {
    int[][] out = new int[labels.length][];
    for (int i = 0; i < labels.length; i++) {
      int row = i * classes;
      int label = labels[i];
      out[i] =
          java.util.stream.IntStream.range(0, classes)
              .filter(c -> c != label)
              .boxed()
              .sorted((a, b) -> Float.compare(logits[row + b], logits[row + a]))
              .limit(count)
              .mapToInt(Integer::intValue)
              .toArray();
    }
    return out;
  }

  /**
   * {@code |a - b|} of the rows at {@code off} ({@code per} values each): their L2 norm when {@code
   * l2}, else their L-infinity norm, computed in double and rounded to float once.
   */
  static float distance(boolean l2, float[] a, float[] b, int off, int per) {
    double out = 0;
    for (int j = off; j < off + per; j++) {
      double v = (double) a[j] - b[j];
      out = l2 ? out + v * v : Math.max(out, Math.abs(v));
    }
    return (float) (l2 ? Math.sqrt(out) : out);
  }
}

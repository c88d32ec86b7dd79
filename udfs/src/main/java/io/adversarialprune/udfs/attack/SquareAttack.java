package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Network;
import java.util.SplittableRandom;

/**
 * The Square Attack's random search ({@link Square}), per sample, on forward passes only: the
 * images of the samples still standing go through the model once per query, and the proposals are
 * made in Java arrays from each sample's own {@link SplittableRandom} of {@code (seed, sample id,
 * restart)} ({@link SampleNoise#generator}), in a fixed order, so the draws (and the result) of a
 * sample do not depend on its batch. The exact algorithm, the order of the draws and where it
 * departs from AutoAttack's {@code square.py}: docs/ATTACKS.md ("Square").
 *
 * <p>Works with a {@link Classifier.Mode#DIFFERENTIABLE} or an {@link Classifier.Mode#INFERENCE}
 * classifier: no gradient is ever asked for. Native memory: one sub-manager per query, freed before
 * the next; everything else is Java arrays. Grad mode is off during the queries and the calling
 * thread's setting is restored. Immutable; thread-safe as long as each thread uses its own {@link
 * Network}.
 */
public final class SquareAttack implements Attack {

  private final Square spec;

  SquareAttack(Square spec) {
    this.spec = spec;
  }

  @Override
  public float[] perturb(Network source, long seed, long[] ids, int[] labels, float[] pixels) {
    InputShape shape = source.inputShape();
    String problem = spec.shapeProblem(shape);
    if (problem != null) {
      throw new IllegalArgumentException(problem + " (model " + source.file() + ")");
    }
    AttackSupport.checkBatch(shape, ids, labels, pixels);
    int per = shape.pixels();
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return AttackSupport.bestOfRuns(
          spec.restarts(),
          labels,
          pixels,
          per,
          (r, rows, clean, y, live) ->
              new Search(source, seed, AttackSupport.pick(ids, rows), r, y, clean, live).run(),
          (r, rows, y, adv) -> score(source, y, adv));
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** Restarts are ranked by the negative margin: misclassified first, else the smallest margin. */
  private static AttackSupport.Scores score(Network source, int[] labels, float[] images) {
    Margins m = query(source, labels, images, labels.length);
    long[] predictions = new long[labels.length];
    float[] losses = new float[labels.length];
    for (int i = 0; i < labels.length; i++) {
      predictions[i] = m.prediction[i];
      losses[i] = -m.margin[i];
    }
    return new AttackSupport.Scores(predictions, losses);
  }

  /** One query's figures per row: the margin and the arg-max class. */
  private record Margins(float[] margin, int[] prediction) {}

  /**
   * One forward pass of {@code rows} images of {@code images} (grad mode already off): per row the
   * margin {@code z_y - max_{i != y} z_i} in float and the arg-max (the lowest class on ties, as
   * {@code torch.argmax}).
   */
  private static Margins query(Network source, int[] labels, float[] images, int rows) {
    int classes = source.classes();
    float[] logits;
    try (NDManager scope = source.manager().newSubManager()) {
      NDArray x = scope.create(images, new Shape(source.inputShape().batchShape(rows)));
      logits = source.logits(x).toFloatArray();
    }
    float[] margin = new float[rows];
    int[] prediction = new int[rows];
    for (int k = 0; k < rows; k++) {
      int off = k * classes;
      int label = labels[k];
      int best = 0;
      float other = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        float z = logits[off + c];
        if (z > logits[off + best]) {
          best = c;
        }
        if (c != label && z > other) {
          other = z;
        }
      }
      margin[k] = logits[off + label] - other;
      prediction[k] = best;
    }
    return new Margins(margin, prediction);
  }

  /**
   * The paper's schedule of {@code p}, the fraction of the image a square covers, rescaled to the
   * budget as AutoAttack does: iteration {@code it} of {@code queries} maps to {@code i = (int) (it
   * / queries * 10000)}, and {@code p} halves after {@code i} = 10, 50, 200, 500, 1000, 2000, 4000,
   * 6000 and 8000.
   */
  static double p(int it, int queries, double pInit) {
    int i = (int) ((double) it / queries * 10000);
    int[] bounds = {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000};
    double p = pInit;
    for (int b : bounds) {
      if (i > b) {
        p /= 2;
      }
    }
    return p;
  }

  /**
   * The side of an L-infinity square at iteration {@code it}: {@code max(rint(sqrt(p d / c)), 1)},
   * at most the image's smaller side ({@code d = c h w}, {@code rint} rounds half to even as
   * Python's {@code round}).
   */
  static int linfSide(double p, InputShape shape) {
    int d = shape.pixels();
    int s = Math.max((int) Math.rint(Math.sqrt(p * d / shape.channels())), 1);
    return Math.min(s, Math.min(shape.height(), shape.width()));
  }

  /** The side of an L2 square: as {@link #linfSide} but at least 3 and odd. */
  static int l2Side(double p, InputShape shape) {
    int d = shape.pixels();
    int s = Math.max((int) Math.rint(Math.sqrt(p * d / shape.channels())), 3);
    if (s % 2 == 0) {
      s++;
    }
    return Math.min(s, Math.min(shape.height(), shape.width()));
  }

  /** A uniform integer in {@code [0, bound)} ({@code 0} when {@code bound <= 0}). */
  static int position(SplittableRandom random, int bound) {
    return (int) (random.nextDouble() * Math.max(bound, 0));
  }

  /** A uniform sign. */
  static int sign(SplittableRandom random) {
    return random.nextDouble() < 0.5 ? -1 : 1;
  }

  /**
   * The L2 square's profile of side {@code s}, row-major, unit L2 norm: AutoAttack's {@code eta}, a
   * top half of {@link #rectangles} and a bottom half of minus that, in double; {@code transposed}
   * flips rows and columns.
   */
  static double[] eta(int s, boolean transposed) {
    int top = s / 2;
    double[] a = rectangles(top, s);
    double[] b = rectangles(s - top, s);
    double[] out = new double[s * s];
    for (int k = 0; k < a.length; k++) {
      out[k] = a[k];
    }
    for (int k = 0; k < b.length; k++) {
      out[a.length + k] = -b[k];
    }
    normalize(out);
    if (!transposed) {
      return out;
    }
    double[] t = new double[s * s];
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        t[x * s + y] = out[y * s + x];
      }
    }
    return t;
  }

  /**
   * {@code rows x cols} nested rectangles around the centre, each adding {@code 1 / (k + 1)^2},
   * normalized to unit L2 norm (AutoAttack's {@code eta_rectangles} for L2).
   */
  static double[] rectangles(int rows, int cols) {
    double[] out = new double[rows * cols];
    int r0 = rows / 2;
    int c0 = cols / 2;
    for (int k = 0; k < Math.max(rows / 2 + 1, cols / 2 + 1); k++) {
      double add = 1.0 / ((double) (k + 1) * (k + 1));
      for (int y = Math.max(r0, 0); y < Math.min(r0 + 2 * k + 1, rows); y++) {
        for (int x = Math.max(c0, 0); x < Math.min(c0 + 2 * k + 1, cols); x++) {
          out[y * cols + x] += add;
        }
      }
      r0--;
      c0--;
    }
    normalize(out);
    return out;
  }

  /** Divides by the L2 norm summed in index order (nothing for an empty or zero array). */
  private static void normalize(double[] v) {
    double sum = 0;
    for (double e : v) {
      sum += e * e;
    }
    double norm = Math.sqrt(sum);
    if (norm > 0) {
      for (int k = 0; k < v.length; k++) {
        v[k] /= norm;
      }
    }
  }

  /** {@code round(255 v) / 255} in float, as {@code torch.round} (half to even) computes it. */
  static float round8bit(float v) {
    return (float) Math.rint(v * 255f) / 255f;
  }

  /** One restart of the random search on one batch. Not thread-safe; used once. */
  private final class Search {
    private final Network source;
    private final InputShape shape;
    private final int[] labels;
    private final float[] clean;
    private final int per;
    private final int n;
    private final SplittableRandom[] random;
    private final float[] best;
    private final float[] margin;
    private final float[] out;
    private final AttackSupport.Rows rows;
    private final float epsF;
    private final float[] lower;
    private final float[] upper;

    Search(
        Network source, long seed, long[] ids, int restart, int[] labels, float[] clean, int live) {
      this.source = source;
      this.shape = source.inputShape();
      this.labels = labels;
      this.clean = clean;
      this.per = shape.pixels();
      this.n = labels.length;
      this.random = new SplittableRandom[n];
      for (int k = 0; k < n; k++) {
        random[k] = SampleNoise.generator(seed, ids[k], restart);
      }
      this.best = clean.clone();
      this.margin = new float[n];
      this.out = clean.clone();
      this.rows = new AttackSupport.Rows(n, live);
      this.epsF = (float) spec.eps();
      if (spec.norm().equals("linf")) {
        lower = new float[clean.length];
        upper = new float[clean.length];
        for (int j = 0; j < clean.length; j++) {
          lower[j] = Math.max(clean[j] - epsF, 0f);
          upper[j] = Math.min(clean[j] + epsF, 1f);
        }
      } else {
        lower = null;
        upper = null;
      }
    }

    float[] run() {
      // The clean images first: a sample the model already misclassifies keeps its clean image.
      float[] batch = images(best);
      judge(batch, false);
      if (rows.live() == 0) {
        return out;
      }
      rows.shrink();
      batch = new float[rows.size() * per];
      for (int p = 0; p < rows.size(); p++) {
        int i = rows.sample(p);
        if (rows.alive(p)) {
          start(i);
        }
        System.arraycopy(best, i * per, batch, p * per, per);
      }
      judge(batch, true);
      for (int it = 0; it < spec.queries() && rows.live() > 0; it++) {
        rows.shrink();
        double p = p(it, spec.queries(), spec.pInit());
        batch = new float[rows.size() * per];
        for (int q = 0; q < rows.size(); q++) {
          int i = rows.sample(q);
          System.arraycopy(best, i * per, batch, q * per, per);
          if (rows.alive(q)) {
            if (spec.norm().equals("linf")) {
              linfProposal(i, p, batch, q * per);
            } else {
              l2Proposal(i, p, batch, q * per);
            }
          }
        }
        judge(batch, false);
      }
      for (int q = 0; q < rows.size(); q++) {
        if (rows.alive(q)) {
          int i = rows.sample(q);
          System.arraycopy(best, i * per, out, i * per, per);
        }
      }
      return out;
    }

    /** The current best images of the rows. */
    private float[] images(float[] from) {
      float[] batch = new float[rows.size() * per];
      for (int p = 0; p < rows.size(); p++) {
        System.arraycopy(from, rows.sample(p) * per, batch, p * per, per);
      }
      return batch;
    }

    /**
     * Queries {@code batch} (one image per row) and, per live row, keeps the image when it is
     * misclassified or lowers the margin ({@code always}: the start, kept whatever its margin); a
     * misclassified sample stops with that image.
     */
    private void judge(float[] batch, boolean always) {
      int size = rows.size();
      int[] y = new int[size];
      for (int p = 0; p < size; p++) {
        y[p] = labels[rows.sample(p)];
      }
      Margins m = query(source, y, batch, size);
      for (int p = 0; p < size; p++) {
        if (!rows.alive(p)) {
          continue;
        }
        int i = rows.sample(p);
        boolean wrong = m.prediction[p] != y[p];
        if (always || wrong || m.margin[p] < margin[i]) {
          System.arraycopy(batch, p * per, best, i * per, per);
          margin[i] = m.margin[p];
        }
        if (wrong) {
          System.arraycopy(batch, p * per, out, i * per, per);
          rows.stop(p);
        }
      }
    }

    private float finish(float v) {
      return spec.round8bit() ? round8bit(v) : v;
    }

    /** The first perturbation of sample {@code i}, written to its row of {@code best}. */
    private void start(int i) {
      SplittableRandom g = random[i];
      int c = shape.channels();
      int h = shape.height();
      int w = shape.width();
      int off = i * per;
      if (spec.norm().equals("linf")) {
        // Vertical stripes: one sign per channel and column, +-eps on every pixel of it.
        for (int ch = 0; ch < c; ch++) {
          for (int x = 0; x < w; x++) {
            float d = sign(g) > 0 ? epsF : -epsF;
            for (int y = 0; y < h; y++) {
              int j = off + (ch * h + y) * w + x;
              best[j] = finish(Math.min(Math.max(clean[j] + d, 0f), 1f));
            }
          }
        }
        return;
      }
      // L2: a grid of squares of side h / 5, each an eta profile (its own transposition) times a
      // sign per channel, scaled to norm eps.
      double[] delta = new double[per];
      int s = h / 5;
      int from = (h - s * 5) / 2;
      int vh = from;
      for (int a = 0; a < h / s; a++, vh += s) {
        int vw = from;
        for (int b = 0; b < w / s; b++, vw += s) {
          double[] eta = eta(s, g.nextDouble() > 0.5);
          for (int ch = 0; ch < c; ch++) {
            int sg = sign(g);
            for (int y = 0; y < s && vh + y < h; y++) {
              for (int x = 0; x < s && vw + x < w; x++) {
                delta[(ch * h + vh + y) * w + vw + x] += eta[y * s + x] * sg;
              }
            }
          }
        }
      }
      place(i, delta, best, off);
    }

    /**
     * {@code clamp(x + eps delta / (|delta| + 1e-12), 0, 1)} of sample {@code i}, to {@code to}.
     */
    private void place(int i, double[] delta, float[] to, int at) {
      double norm = 0;
      for (double d : delta) {
        norm += d * d;
      }
      norm = Math.sqrt(norm);
      int off = i * per;
      for (int j = 0; j < per; j++) {
        double v = clean[off + j] + delta[j] / (norm + 1e-12) * spec.eps();
        to[at + j] = finish((float) Math.min(Math.max(v, 0.0), 1.0));
      }
    }

    /**
     * An L-infinity proposal for sample {@code i} (its best image is already in {@code batch} at
     * {@code at}): a square of side {@link #linfSide} at a uniform position, moved by {@code 2 eps}
     * times a sign per channel, projected onto the eps box and [0, 1].
     */
    private void linfProposal(int i, double p, float[] batch, int at) {
      SplittableRandom g = random[i];
      int h = shape.height();
      int w = shape.width();
      int s = linfSide(p, shape);
      int vh = position(g, h - s);
      int vw = position(g, w - s);
      float twoEps = (float) (2 * spec.eps());
      int off = i * per;
      for (int ch = 0; ch < shape.channels(); ch++) {
        float d = sign(g) > 0 ? twoEps : -twoEps;
        for (int y = vh; y < vh + s; y++) {
          for (int x = vw; x < vw + s; x++) {
            int j = (ch * h + y) * w + x;
            float v = best[off + j] + d;
            batch[at + j] = finish(Math.min(Math.max(v, lower[off + j]), upper[off + j]));
          }
        }
      }
    }

    /**
     * An L2 proposal for sample {@code i} (AutoAttack's): the perturbation's mass in a second
     * square is moved into a first one, which gets a fresh eta profile plus its old content,
     * rescaled so that the whole perturbation can reach norm eps; then the perturbation is scaled
     * to norm eps and clipped to [0, 1].
     */
    private void l2Proposal(int i, double p, float[] batch, int at) {
      SplittableRandom g = random[i];
      int c = shape.channels();
      int h = shape.height();
      int w = shape.width();
      int s = l2Side(p, shape);
      int vh = position(g, h - s);
      int vw = position(g, w - s);
      int vh2 = position(g, h - s);
      int vw2 = position(g, w - s);
      double[] eta = eta(s, g.nextDouble() > 0.5);
      int off = i * per;
      double[] delta = new double[per];
      double image = 0;
      for (int j = 0; j < per; j++) {
        delta[j] = (double) best[off + j] - clean[off + j];
        image += delta[j] * delta[j];
      }
      image = Math.sqrt(image);
      double spare = Math.max(spec.eps() * spec.eps() - image * image, 0.0) / c;
      double[][] fresh = new double[c][];
      for (int ch = 0; ch < c; ch++) {
        int base = ch * h * w;
        double first = 0;
        double both = 0;
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            double d = delta[base + y * w + x];
            boolean in1 = y >= vh && y < vh + s && x >= vw && x < vw + s;
            boolean in2 = y >= vh2 && y < vh2 + s && x >= vw2 && x < vw2 + s;
            if (in1) {
              first += d * d;
            }
            if (in1 || in2) {
              both += d * d;
            }
          }
        }
        first = Math.sqrt(first);
        both = Math.sqrt(both);
        int sg = sign(g);
        double[] v = new double[s * s];
        double norm = 0;
        for (int y = 0; y < s; y++) {
          for (int x = 0; x < s; x++) {
            double old = delta[base + (vh + y) * w + vw + x] / (1e-12 + first);
            v[y * s + x] = eta[y * s + x] * sg + old;
            norm += v[y * s + x] * v[y * s + x];
          }
        }
        norm = Math.sqrt(norm);
        double scale = Math.sqrt(spare + both * both);
        for (int k = 0; k < v.length; k++) {
          v[k] = v[k] / (1e-12 + norm) * scale;
        }
        fresh[ch] = v;
      }
      for (int ch = 0; ch < c; ch++) {
        int base = ch * h * w;
        for (int y = vh2; y < vh2 + s; y++) {
          for (int x = vw2; x < vw2 + s; x++) {
            delta[base + y * w + x] = 0;
          }
        }
      }
      for (int ch = 0; ch < c; ch++) {
        int base = ch * h * w;
        for (int y = 0; y < s; y++) {
          for (int x = 0; x < s; x++) {
            delta[base + (vh + y) * w + vw + x] = fresh[ch][y * s + x];
          }
        }
      }
      place(i, delta, batch, at);
    }
  }
}

package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Network;
import java.util.Arrays;

/**
 * FAB-T ({@link FabT}), per sample, in [0, 1] pixel space, after AutoAttack's targeted FAB ({@code
 * fab_base.py}, Croce and Hein, ICML 2020):
 *
 * <ol>
 *   <li>One forward pass on the clean images: a misclassified sample is not attacked (distance 0,
 *       clean image); the others get their targets, the classes of the 2nd, 3rd, ... largest clean
 *       logit ({@link AttackSupport#targetClasses}).
 *   <li>For target {@code k = 1 .. targets}, restart {@code r = 1 .. restarts}, on the samples not
 *       yet broken within {@code eps} (padded to a bucket of the batch, {@link
 *       AttackSupport#restartRows}): start at the clean image {@code x0} (restart 1) or at {@code
 *       x0} plus noise of norm {@code eps / 2} ({@link SampleNoise.Start#SCALED} for L-infinity,
 *       {@link SampleNoise.Start#SPHERE} for L2, from the sample's stream of run {@code (k - 1)
 *       restarts + r - 1}), clipped to [0, 1]; then {@code steps} times:
 *       <ol>
 *         <li>{@code f = z_t - z_y} and its input gradient {@code g} at {@code x} (one
 *             forward+backward pass, {@link Losses#targetMargin}): the linearized boundary is the
 *             hyperplane {@code g . x' = g . x - f};
 *         <li>{@code d1}, {@code d2}: the projections of {@code x} and of {@code x0} onto it within
 *             the box ({@link FabProjections}), in the attack's norm;
 *         <li>{@code alpha = min(max(|d1| / (|d1| + |d2|), 0), 0.1)}, norms floored at 1e-8; {@code
 *             x = clip((x + 1.05 d1) (1 - alpha) + (x0 + 1.05 d2) alpha, 0, 1)};
 *         <li>one forward pass on the image the attack would return, {@code x} or with {@code
 *             round-8bit} its 8-bit rounding {@code x'} (the iterate goes on unrounded): if it is
 *             misclassified (any class), its norm {@code |x' - x0|} replaces the run's smallest
 *             when smaller (and {@code x'} the run's image), and {@code x = x0 + 0.9 (x - x0)}.
 *       </ol>
 *   <li>A sample keeps the smallest adversarial of all its runs, and counts as broken when its norm
 *       is at most {@code eps} (in double).
 * </ol>
 *
 * A broken sample returns its smallest adversarial, any other its clean image; {@link
 * #perturbTraced} also returns every sample's smallest distance (NaN where none was found, over
 * {@code eps} too). The step's arithmetic runs per sample on Java arrays, in double, and is cast to
 * float once per iterate.
 *
 * <p>Autograd and native memory as {@link ApgdAttack}: a fresh leaf per pass, grad mode on the
 * calling thread only, no {@code GradientCollector}; one sub-manager per pass; everything else is
 * Java arrays. Immutable; thread-safe as long as each thread uses its own {@link Network}.
 */
public final class FabAttack implements Attack.Tracing {

  private final FabT spec;

  FabAttack(FabT spec) {
    this.spec = spec;
  }

  @Override
  public Traced perturbTraced(Network source, long seed, long[] ids, int[] labels, float[] pixels) {
    AttackSupport.checkDifferentiable(source, "FAB-T");
    String problem = spec.modelProblem(source.classes());
    if (problem != null) {
      throw new IllegalArgumentException(problem + " (model " + source.file() + ")");
    }
    InputShape shape = source.inputShape();
    int n = AttackSupport.checkBatch(shape, ids, labels, pixels);
    int per = shape.pixels();
    boolean gradMode = JniUtils.isGradMode();
    try {
      int classes = source.classes();
      float[] logits = logits(source, labels, pixels, n);
      int[][] targetOf = AttackSupport.targetClasses(logits, classes, labels, spec.targets());
      boolean[] correct = new boolean[n];
      float[] distance = new float[n];
      for (int i = 0; i < n; i++) {
        correct[i] = argMax(logits, i * classes, classes) == labels[i];
        distance[i] = correct[i] ? Float.NaN : 0f;
      }
      float[] best = pixels.clone();
      runs:
      for (int k = 0; k < spec.targets(); k++) {
        for (int r = 0; r < spec.restarts(); r++) {
          boolean[] open = new boolean[n];
          for (int i = 0; i < n; i++) {
            open[i] = correct[i] && !broken(distance[i]);
          }
          int[] todo = AttackSupport.where(open);
          if (todo.length == 0) {
            break runs;
          }
          int[] rows = AttackSupport.restartRows(todo, n);
          float[] clean = AttackSupport.pick(pixels, per, rows);
          int[] target = new int[rows.length];
          for (int q = 0; q < rows.length; q++) {
            target[q] = targetOf[rows[q]][k];
          }
          // The first restart of a target starts at the clean image, later ones at random.
          float[] x1 =
              r == 0
                  ? clean.clone()
                  : randomStart(
                      clean, seed, AttackSupport.pick(ids, rows), k * spec.restarts() + r);
          Found found = run(source, AttackSupport.pick(labels, rows), target, clean, x1);
          for (int q = 0; q < todo.length; q++) {
            int i = todo[q];
            float d = found.distance[q];
            if (d < Float.POSITIVE_INFINITY && (Float.isNaN(distance[i]) || d < distance[i])) {
              distance[i] = d;
              AttackSupport.put(found.adversarial, q, best, i, per);
            }
          }
        }
      }
      float[] out = pixels.clone();
      for (int i = 0; i < n; i++) {
        if (correct[i] && broken(distance[i])) {
          AttackSupport.put(best, i, out, i, per);
        }
      }
      return new Traced(out, null, distance);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** Whether a smallest distance found breaks the sample: at most eps (NaN: none found). */
  private boolean broken(float distance) {
    return distance <= spec.eps();
  }

  /**
   * A random start of norm {@code eps / 2} around each row of {@code clean}, from its sample's
   * stream of run {@code run}.
   */
  private float[] randomStart(float[] clean, long seed, long[] ids, int run) {
    SampleNoise.Start kind =
        spec.norm().equals("l2") ? SampleNoise.Start.SPHERE : SampleNoise.Start.SCALED;
    return kind.draw(seed, ids, run, spec.eps() / 2, clean, clean.length / ids.length);
  }

  /** Per row: the smallest adversarial norm of the run (+infinity: none) and that image. */
  private record Found(float[] distance, float[] adversarial) {}

  /**
   * One run of FAB on packed rows from {@code x1} (overwritten): {@code steps} iterations of the
   * projection step and the backward step.
   */
  private Found run(Network source, int[] labels, int[] targets, float[] clean, float[] x1) {
    InputShape shape = source.inputShape();
    int per = shape.pixels();
    int m = labels.length;
    boolean l2 = spec.norm().equals("l2");
    float[] res = new float[m];
    Arrays.fill(res, Float.POSITIVE_INFINITY);
    float[] adv = new float[m * per];
    FabProjections.Scratch scratch = new FabProjections.Scratch(per);
    double[] d1 = new double[per];
    double[] d2 = new double[per];
    Shape batch = new Shape(shape.batchShape(m));
    for (int step = 0; step < spec.steps(); step++) {
      float[] f;
      float[] g;
      try (NDManager scope = source.manager().newSubManager()) {
        Gradients.Evaluation at =
            Gradients.lossGradient(
                source,
                scope.create(x1, batch),
                AttackSupport.labels(scope, labels),
                AttackSupport.labels(scope, targets),
                Losses.Loss.TARGET_MARGIN);
        f = at.losses().toFloatArray();
        g = at.gradient().toFloatArray();
      }
      for (int q = 0; q < m; q++) {
        int off = q * per;
        double b = -f[q];
        for (int j = off; j < off + per; j++) {
          b += (double) g[j] * x1[j];
        }
        FabProjections.project(l2, x1, g, off, per, b, d1, scratch);
        FabProjections.project(l2, clean, g, off, per, b, d2, scratch);
        double a1 = Math.max(norm(l2, d1), 1e-8);
        double a2 = Math.max(norm(l2, d2), 1e-8);
        double alpha = Math.min(Math.max(a1 / (a1 + a2), 0), FabT.ALPHA_MAX);
        for (int j = 0; j < per; j++) {
          double v =
              (x1[off + j] + FabT.ETA * d1[j]) * (1 - alpha)
                  + (clean[off + j] + FabT.ETA * d2[j]) * alpha;
          x1[off + j] = (float) Math.min(Math.max(v, 0.0), 1.0);
        }
      }
      // What is judged is the image the attack would return: with round-8bit, the iterate's 8-bit
      // rounding (the iterate itself goes on unrounded).
      float[] judged = x1;
      if (spec.round8bit()) {
        judged = new float[x1.length];
        for (int j = 0; j < x1.length; j++) {
          judged[j] = SquareAttack.round8bit(x1[j]);
        }
      }
      long[] predicted = predictions(source, labels, targets, judged);
      for (int q = 0; q < m; q++) {
        if (predicted[q] == labels[q]) {
          continue;
        }
        int off = q * per;
        float dist = AttackSupport.distance(l2, judged, clean, off, per);
        if (dist < res[q]) {
          res[q] = dist;
          System.arraycopy(judged, off, adv, off, per);
        }
        for (int j = off; j < off + per; j++) {
          x1[j] = (float) (clean[j] + (x1[j] - (double) clean[j]) * FabT.BETA);
        }
      }
    }
    return new Found(res, adv);
  }

  /** The clean logits, one forward pass (grad mode off). */
  private static float[] logits(Network source, int[] labels, float[] pixels, int n) {
    try (NDManager scope = source.manager().newSubManager()) {
      NDArray x = scope.create(pixels, new Shape(source.inputShape().batchShape(n)));
      return Gradients.loss(source, x, AttackSupport.labels(scope, labels), null, Losses.Loss.CE)
          .logits()
          .toFloatArray();
    }
  }

  /** The arg-max class of the row at {@code from} (the lowest on ties, as {@code torch.argmax}). */
  private static int argMax(float[] logits, int from, int classes) {
    int best = 0;
    for (int c = 1; c < classes; c++) {
      if (logits[from + c] > logits[from + best]) {
        best = c;
      }
    }
    return best;
  }

  /** The predicted classes of {@code images}, one forward pass (grad mode off). */
  private static long[] predictions(Network source, int[] labels, int[] targets, float[] images) {
    try (NDManager scope = source.manager().newSubManager()) {
      NDArray x = scope.create(images, new Shape(source.inputShape().batchShape(labels.length)));
      return Gradients.loss(
              source,
              x,
              AttackSupport.labels(scope, labels),
              AttackSupport.labels(scope, targets),
              Losses.Loss.TARGET_MARGIN)
          .predictions();
    }
  }

  /** {@code |d|} in the attack's norm, in double. */
  private static double norm(boolean l2, double[] d) {
    double out = 0;
    for (double v : d) {
      out = l2 ? out + v * v : Math.max(out, Math.abs(v));
    }
    return l2 ? Math.sqrt(out) : out;
  }
}

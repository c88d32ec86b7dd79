package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Network;
import java.util.Arrays;

/**
 * Projected gradient descent on the cross entropy in [0, 1] pixel space, L-infinity (the study's
 * attack, {@link Pgd} with norm linf; one step of it is {@link Fgsm}) or L2 (norm l2):
 *
 * <pre>
 *   L-infinity: x(k+1) = clamp(x + clamp(x(k) + alpha sign(g) - x, -eps, eps), 0, 1)
 *   L2:         x(k+1) = clamp(x + (m - x) eps / max(|m - x|_2, eps), 0, 1),
 *               m = x(k) + alpha g / max(|g|_2, 1e-12),   g = grad CE at x(k)
 * </pre>
 *
 * from a per-sample seeded random start (or x), rounded to 8 bits after the last step if so
 * configured; restarts and early stop as {@link AttackSupport#bestOfRuns} and {@link
 * AttackSupport.Rows}. The exact projection, rounding, loss and restart semantics are in
 * docs/ATTACKS.md ("PGD").
 *
 * <p>Autograd: a fresh leaf input per step, grad mode on for the calling thread only, no {@code
 * GradientCollector}; the model's frozen weights and batch-norm statistics are never written.
 * Native memory: one sub-manager of the source's manager per restart and one of that per step;
 * results leave as Java arrays.
 *
 * <p>Immutable; thread-safe as long as each thread uses its own {@link Network}. The calling
 * thread's grad mode is restored on return.
 */
public final class PgdAttack implements Attack {

  private static final float GRADIENT_NORM_FLOOR = 1e-12f;

  private final Pgd spec;
  private final boolean linf;

  /** Made by {@link Pgd#attack()}; the spec validated its values. */
  PgdAttack(Pgd spec) {
    this.spec = spec;
    this.linf = spec.norm().equals("linf");
  }

  @Override
  public float[] perturb(Network source, long seed, long[] ids, int[] labels, float[] pixels) {
    AttackSupport.checkDifferentiable(source, "PGD");
    InputShape shape = source.inputShape();
    AttackSupport.checkBatch(shape, ids, labels, pixels);
    int per = shape.pixels();
    boolean gradMode = JniUtils.isGradMode();
    try {
      return AttackSupport.bestOfRuns(
          spec.restarts(),
          labels,
          pixels,
          per,
          (r, rows, clean, y, live) -> {
            float[] start = start(seed, AttackSupport.pick(ids, rows), r, clean, per);
            return descend(source, y, clean, start, live);
          },
          (r, rows, y, adv) -> {
            Predictions scored = Predictions.of(source, y, adv);
            long[] predictions = Arrays.stream(scored.predictions()).asLongStream().toArray();
            return new AttackSupport.Scores(predictions, scored.losses());
          });
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** The starting points of one restart, NCHW; {@code clean} itself without random start. */
  private float[] start(long seed, long[] ids, int restart, float[] clean, int per) {
    if (!spec.randomStart()) {
      return clean;
    }
    SampleNoise.Start start = linf ? SampleNoise.Start.UNIFORM : SampleNoise.Start.BALL;
    return start.draw(seed, ids, restart, spec.eps(), clean, per);
  }

  /**
   * One restart: {@code steps} steps from {@code start}; rounded if so configured. Rows from {@code
   * live} on are filler ({@link AttackSupport#restartRows}).
   */
  private float[] descend(Network source, int[] labels, float[] clean, float[] start, int live) {
    InputShape shape = source.inputShape();
    int per = shape.pixels();
    float[] out = new float[clean.length];
    AttackSupport.Rows rows = new AttackSupport.Rows(labels.length, live);
    try (NDManager batch = source.manager().newSubManager()) {
      Bounds bounds = new Bounds(batch, shape, clean, labels);
      NDArray x = batch.create(start, new Shape(shape.batchShape(rows.size())));
      for (int step = 0; step < spec.steps(); step++) {
        try (NDManager scope = batch.newSubManager()) {
          // A fresh leaf each step: DJL never zeroes .grad, and the old leaf's graph must not grow.
          NDArray leaf = x.duplicate();
          leaf.attach(scope);
          Gradients.Evaluation at = Gradients.lossGradient(source, leaf, bounds.y, Losses.Loss.CE);
          NDArray from = leaf;
          NDArray grad = at.gradient();
          if (spec.earlyStop()) {
            long[] predictions = at.predictions();
            NDArray current = x;
            float[] xs =
                rows.stopWrong(
                    p -> predictions[p] != labels[rows.sample(p)], current::toFloatArray, out, per);
            if (rows.live() == 0) {
              break;
            }
            int[] keep = rows.shrink();
            if (keep != null) {
              Shape kept = new Shape(shape.batchShape(keep.length));
              bounds.close();
              bounds =
                  new Bounds(
                      batch,
                      shape,
                      AttackSupport.pick(clean, per, rows.samples()),
                      AttackSupport.pick(labels, rows.samples()));
              xs = xs == null ? x.toFloatArray() : xs;
              from = scope.create(AttackSupport.pick(xs, per, keep), kept);
              grad = scope.create(AttackSupport.pick(grad.toFloatArray(), per, keep), kept);
            }
          }
          NDArray next = step(scope, bounds, from, grad);
          next.attach(batch);
          x.close();
          x = next;
        }
      }
      if (rows.live() > 0) {
        rows.putLive(x.toFloatArray(), out, per);
      }
    }
    if (spec.round8bit()) {
      AttackSupport.round8bit(source.manager(), shape, out);
    }
    return out;
  }

  /** One step from {@code x} along {@code grad}; attached to {@code scope}. */
  private NDArray step(NDManager scope, Bounds bounds, NDArray x, NDArray grad) {
    float alpha = (float) spec.alpha();
    float eps = (float) spec.eps();
    if (linf) {
      NDArray moved = x.add(grad.sign().mul(alpha));
      return moved.maximum(bounds.lower).minimum(bounds.upper);
    }
    int[] pixelAxes = {1, 2, 3};
    NDArray gradNorm = grad.square().sum(pixelAxes, true).sqrt().maximum(GRADIENT_NORM_FLOOR);
    NDArray moved = x.add(grad.div(gradNorm).mul(alpha));
    NDArray delta = moved.sub(bounds.clean);
    NDArray deltaNorm = delta.square().sum(pixelAxes, true).sqrt().maximum(eps);
    NDArray factor = scope.create(eps).div(deltaNorm);
    return bounds.clean.add(delta.mul(factor)).clip(0, 1);
  }

  /** The clean batch, its labels and the L-infinity box, on the restart's manager. */
  private final class Bounds implements AutoCloseable {
    final NDArray clean;
    final NDArray y;
    final NDArray lower;
    final NDArray upper;

    Bounds(NDManager batch, InputShape shape, float[] pixels, int[] labels) {
      clean = batch.create(pixels, new Shape(shape.batchShape(labels.length)));
      y = AttackSupport.labels(batch, labels);
      // The projection clamp(x0 + clamp(m - x0, -eps, eps), 0, 1) as one max and one min against
      // bounds made once per batch: two elementwise ops per step instead of five.
      lower = linf ? clean.sub(spec.eps()).clip(0, 1) : null;
      upper = linf ? clean.add(spec.eps()).clip(0, 1) : null;
    }

    @Override
    public void close() {
      clean.close();
      y.close();
      if (lower != null) {
        lower.close();
        upper.close();
      }
    }
  }
}

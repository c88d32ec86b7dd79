package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import java.util.Arrays;

/**
 * Projected gradient descent on the cross entropy in [0, 1] pixel space, L-infinity (the study's
 * attack, {@link PgdLinf}; one step of it is {@link Fgsm}) or L2 ({@link PgdL2}).
 *
 * <pre>
 *   L-infinity:
 *   x0     = clamp(x + U(-eps, eps), 0, 1)                       (or x, random start off)
 *   x(k+1) = clamp(x + clamp(x(k) + alpha sign(g) - x, -eps, eps), 0, 1),  g = grad CE at x(k)
 *   L2:
 *   x0     = clamp(x + uniform point of the eps ball, 0, 1)      (or x)
 *   m      = x(k) + alpha g / max(|g|_2, 1e-12)
 *   x(k+1) = clamp(x + (m - x) eps / max(|m - x|_2, eps), 0, 1)
 *   result = round(255 x(steps)) / 255                           (or x(steps), rounding off)
 * </pre>
 *
 * <p>The L-infinity projection is computed as {@code min(max(x(k) + alpha sign(g), lower), upper)}
 * with {@code lower = clamp(x - eps, 0, 1)} and {@code upper = clamp(x + eps, 0, 1)} made once per
 * batch: the same set, and values that differ from the study's formula by at most one float
 * rounding inside the ball (bit-identical on its faces), for two elementwise ops per step instead
 * of five. The L2 norms are per sample, over all its pixels.
 *
 * <p>As in the study, the rounding comes after the last projection, so a rounded image may be up to
 * {@code 0.5 / 255} outside the eps ball (and is always inside [0, 1]).
 *
 * <p>The loss is the cross entropy summed over the batch. Each sample's logits depend only on its
 * own input (the model is in eval mode), so each sample's input gradient is the gradient of its own
 * loss and does not depend on the batch. The study weighted each sample's gradient by that sample's
 * loss; after {@code sign()} the two agree except for a sample whose loss is exactly 0, where the
 * study's step is 0 and this one follows the (tiny) gradient's sign.
 *
 * <p>Random starts are drawn per sample from {@code (seed, sample id, restart)} ({@link
 * SampleNoise}; restart 0 is the stream PGD always used), so on CPU the result for a sample is
 * bit-identical for the same input, label, id and seed, whatever the batching or sharding.
 *
 * <p>Restarts (more than one): each restart's final (rounded) image is scored by one forward pass;
 * a sample keeps the restart whose image is misclassified, else the one with the highest cross
 * entropy, and only samples not yet misclassified are restarted. With one restart there is no
 * scoring pass, and the computation is exactly the one PGD always did.
 *
 * <p>Early stop: the forward pass of each step's gradient also gives the predictions at {@code
 * x(k)}; a sample misclassified there keeps {@code x(k)} (rounded like any result) and stops; the
 * batch shrinks in buckets ({@link AttackSupport.Rows}), so later steps run on fewer images. The
 * last iterate is not checked (no step follows).
 *
 * <p>Autograd: each step gets a fresh leaf input (DJL does not zero gradients), turns grad mode on
 * for the calling thread only ({@code JniUtils.setGradMode}) and calls {@code JniUtils.backward}
 * directly; DJL's {@code GradientCollector} is never used (one may be open per JVM). The model's
 * parameters are frozen, so only the input gets a gradient and the weights and batch-norm
 * statistics are never written.
 *
 * <p>Native memory: everything of one restart lives in a sub-manager of the source's manager, and
 * everything of one step in a sub-manager of that; results leave as Java arrays.
 *
 * <p>Immutable; thread-safe as long as each thread uses its own {@link Classifier}. The calling
 * thread's grad mode is restored on return.
 */
public final class PgdAttack implements Attack {

  private static final float GRADIENT_NORM_FLOOR = 1e-12f;

  private final PgdSpec spec;
  private final boolean linf;

  /** Made by {@link PgdSpec#attack()}; the spec validated its values. */
  PgdAttack(PgdSpec spec) {
    this.spec = spec;
    this.linf = spec.norm().equals("linf");
  }

  @Override
  public float[] perturb(Classifier source, long seed, long[] ids, int[] labels, float[] pixels) {
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
  private float[] descend(Classifier source, int[] labels, float[] clean, float[] start, int live) {
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

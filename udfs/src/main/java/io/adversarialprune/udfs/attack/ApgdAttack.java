package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Network;
import java.util.ArrayList;
import java.util.List;

/**
 * Auto-PGD, L-infinity, on the cross entropy, the DLR or the targeted DLR loss (Croce and Hein,
 * ICML 2020, Algorithm 1), per sample, in [0, 1] pixel space: step size from {@code 2 eps}, halved
 * at the checkpoints {@link #checkpoints} when the loss stalls, momentum 0.75, from AutoAttack's
 * random start ({@link SampleNoise.Start#SCALED}). A sample returns its misclassified iterate of
 * the highest loss if any, else the iterate of the highest loss. Restarts and APGD-T's targets are
 * runs of {@link AttackSupport#bestOfRuns}; early stop as {@link AttackSupport.Rows}. The exact
 * algorithm, where it departs from the paper and AutoAttack's code, and its cost are in
 * docs/ATTACKS.md ("APGD").
 *
 * <p>Autograd and native memory as {@link PgdAttack}: a fresh leaf per pass, grad mode on the
 * calling thread only, no {@code GradientCollector}; one sub-manager per restart and one per step;
 * results leave as Java arrays. Immutable; thread-safe as long as each thread uses its own {@link
 * Network}.
 */
public final class ApgdAttack implements Attack {

  static final float MOMENTUM = 0.75f;

  private final ApgdSpec spec;
  private final Losses.Loss loss;
  private final int targets;
  private final int[] checkpoints;

  /**
   * Made by {@link Apgd} and {@link ApgdT}, which validated the values: {@code spec} attacked with
   * {@code loss} on {@code targets} target classes per sample (1 for the untargeted losses).
   */
  ApgdAttack(ApgdSpec spec, Losses.Loss loss, int targets) {
    this.spec = spec;
    this.loss = loss;
    this.targets = targets;
    this.checkpoints = checkpoints(spec.steps());
  }

  /**
   * The distinct checkpoints {@code w_j = ceil(p_j N), j >= 1}, in {@code [1, steps - 1]},
   * ascending. The {@code p_j} are multiples of 0.01, so they are computed in exact integer
   * hundredths (0, 22, 41, 57, 70, 80, 87, 93, 99, ...): in doubles, 0.22 + 0.19 + 0.16 is
   * 0.5700000000000001 and {@code ceil(p N)} would give 58 instead of 57 at N = 100.
   */
  static int[] checkpoints(int steps) {
    List<Integer> out = new ArrayList<>();
    long previous = 0;
    long current = 22;
    while (true) {
      long w = (current * steps + 99) / 100; // ceil(current / 100 * steps)
      if (w > steps - 1) {
        break;
      }
      if (w >= 1 && (out.isEmpty() || out.get(out.size() - 1) != w)) {
        out.add((int) w);
      }
      long next = current + Math.max(current - previous - 3, 6);
      previous = current;
      current = next;
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public float[] perturb(Network source, long seed, long[] ids, int[] labels, float[] pixels) {
    AttackSupport.checkDifferentiable(source, "APGD");
    String problem = spec.modelProblem(source.classes());
    if (problem != null) {
      throw new IllegalArgumentException(problem + " (model " + source.file() + ")");
    }
    InputShape shape = source.inputShape();
    AttackSupport.checkBatch(shape, ids, labels, pixels);
    int per = shape.pixels();
    boolean gradMode = JniUtils.isGradMode();
    try {
      int[][] targetOf =
          loss == Losses.Loss.DLR_TARGETED ? targetClasses(source, labels, pixels) : null;
      return AttackSupport.bestOfRuns(
          spec.restarts() * targets,
          labels,
          pixels,
          per,
          (r, rows, clean, y, live) -> {
            float[] start =
                SampleNoise.Start.SCALED.draw(
                    seed, AttackSupport.pick(ids, rows), r, spec.eps(), clean, per);
            return run(source, y, targets(targetOf, rows, r), clean, start, live);
          },
          (r, rows, y, adv) -> score(source, y, targets(targetOf, rows, r), adv));
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** Run {@code r}'s target class of each row, from each sample's {@code targetOf}; or null. */
  private int[] targets(int[][] targetOf, int[] rows, int r) {
    if (targetOf == null) {
      return null;
    }
    int[] target = new int[rows.length];
    for (int k = 0; k < rows.length; k++) {
      target[k] = targetOf[rows[k]][r / spec.restarts()];
    }
    return target;
  }

  /**
   * This attack's loss (on {@code targets} for the targeted loss, else null) and the predictions on
   * {@code pixels}, one forward pass.
   */
  private AttackSupport.Scores score(Network source, int[] labels, int[] targets, float[] pixels) {
    try (NDManager scope = source.manager().newSubManager()) {
      NDArray x = scope.create(pixels, new Shape(source.inputShape().batchShape(labels.length)));
      Gradients.Evaluation at =
          Gradients.loss(
              source,
              x,
              AttackSupport.labels(scope, labels),
              targets == null ? null : AttackSupport.labels(scope, targets),
              loss);
      return new AttackSupport.Scores(at.predictions(), at.losses().toFloatArray());
    }
  }

  /**
   * Each sample's {@code targets} target classes: the classes other than its label in descending
   * order of its clean logits, the lower class first on ties (one forward pass on the batch).
   */
  private int[][] targetClasses(Network source, int[] labels, float[] pixels) {
    float[] logits;
    try (NDManager scope = source.manager().newSubManager()) {
      NDArray x = scope.create(pixels, new Shape(source.inputShape().batchShape(labels.length)));
      logits =
          Gradients.loss(source, x, AttackSupport.labels(scope, labels), null, Losses.Loss.CE)
              .logits()
              .toFloatArray();
    }
    return AttackSupport.targetClasses(logits, source.classes(), labels, targets);
  }

  /**
   * One restart from {@code start}; returns each sample's result, rounded if so configured. Rows
   * from {@code live} on are filler ({@link AttackSupport#restartRows}): attacked, never reported.
   *
   * <p>Native memory: the restart's manager holds the clean batch and its box; the iterates live in
   * a "state" sub-manager that is replaced every step. A step's arithmetic is attached to the state
   * manager of the step before (where its operands live); the step's results are moved to a fresh
   * state manager and the old one is closed, so a step frees its intermediates and the previous
   * iterates at once, without copying the state.
   */
  private float[] run(
      Network source, int[] labels, int[] targets, float[] clean, float[] start, int live) {
    InputShape shape = source.inputShape();
    int per = shape.pixels();
    int n = labels.length;
    float[] out = new float[clean.length];
    State s = new State(n, spec.steps());
    AttackSupport.Rows rows = new AttackSupport.Rows(n, live);
    try (NDManager batch = source.manager().newSubManager()) {
      Tensors t = new Tensors(batch, shape, clean, labels, targets);
      NDManager state = batch.newSubManager();
      t.x = state.create(start, t.shape);
      Gradients.Evaluation first = pass(source, t.x.duplicate(), t, true);
      float[] f0 = first.losses().toFloatArray();
      long[] pred0 = first.predictions();
      first.release();
      t.g = first.gradient();
      t.xMax = t.x;
      t.gMax = t.g;
      t.xAdv = t.x;
      for (int i = 0; i < n; i++) {
        s.fHistory[0][i] = f0[i];
        s.fMax[i] = f0[i];
        s.wrongNow[i] = pred0[i] != labels[i];
        s.wrongMax[i] = s.wrongNow[i];
        if (s.wrongNow[i]) {
          s.hasAdv[i] = true;
          s.advLoss[i] = f0[i];
        }
        s.eta[i] = (float) (2 * spec.eps());
      }
      int nextCheckpoint = 0;
      int lastCheckpoint = 0;
      for (int k = 0; k < spec.steps(); k++) {
        if (spec.earlyStop()) {
          NDArray current = t.x;
          rows.stopWrong(p -> s.wrongNow[rows.sample(p)], current::toFloatArray, out, per);
          if (rows.live() == 0) {
            break;
          }
          int[] keep = rows.shrink();
          if (keep != null) {
            t.compact(
                state,
                keep,
                AttackSupport.pick(clean, per, rows.samples()),
                AttackSupport.pick(labels, rows.samples()),
                targets == null ? null : AttackSupport.pick(targets, rows.samples()));
          }
        }
        NDManager nextState = batch.newSubManager();
        try {
          step(
              source,
              s,
              t,
              state,
              rows,
              labels,
              k,
              nextCheckpoint < checkpoints.length && checkpoints[nextCheckpoint] == k
                  ? lastCheckpoint
                  : -1);
          if (nextCheckpoint < checkpoints.length && checkpoints[nextCheckpoint] == k) {
            lastCheckpoint = k;
            nextCheckpoint++;
          }
          t.moveTo(nextState);
        } finally {
          state.close();
          state = nextState;
        }
      }
      if (rows.live() > 0) {
        boolean[] adv = new boolean[rows.size()];
        for (int p = 0; p < rows.size(); p++) {
          adv[p] = s.hasAdv[rows.sample(p)];
        }
        NDArray mask = mask(state, adv, t.shape);
        rows.putLive(NDArrays.where(mask, t.xAdv, t.xMax).toFloatArray(), out, per);
      }
    }
    if (spec.round8bit()) {
      AttackSupport.round8bit(source.manager(), shape, out);
    }
    return out;
  }

  /**
   * Iteration {@code k}: from {@code x(k)} to {@code x(k+1)}, its loss, the best points and, when
   * {@code lastCheckpoint >= 0} ({@code k} is a checkpoint, the previous one was {@code
   * lastCheckpoint}), the step size check. New arrays are attached to {@code state}.
   */
  private void step(
      Network source,
      State s,
      Tensors t,
      NDManager state,
      AttackSupport.Rows rows,
      int[] labels,
      int k,
      int lastCheckpoint) {
    int m = rows.size();
    Shape column = new Shape(m, 1, 1, 1);
    float[] etaRows = new float[m];
    for (int p = 0; p < m; p++) {
      etaRows[p] = s.eta[rows.sample(p)];
    }
    NDArray eta = state.create(etaRows, column);
    NDArray z = t.project(t.x.add(t.g.sign().mul(eta)));
    NDArray next;
    if (k == 0) {
      next = z;
    } else {
      NDArray towardZ = z.sub(t.x).mul(MOMENTUM);
      NDArray momentum = t.x.sub(t.xPrev).mul(1 - MOMENTUM);
      next = t.project(t.x.add(towardZ).add(momentum));
    }
    boolean needGradient = k + 1 < spec.steps();
    Gradients.Evaluation at = pass(source, next.duplicate(), t, needGradient);
    float[] f = at.losses().toFloatArray();
    long[] pred = at.predictions();
    at.release();
    NDArray gNext = at.gradient();
    boolean[] better = new boolean[m];
    boolean[] advBetter = new boolean[m];
    boolean anyBetter = false;
    boolean anyAdv = false;
    for (int p = 0; p < m; p++) {
      if (!rows.alive(p)) {
        continue; // a stopped sample's row, kept as filler: its values are ignored
      }
      int i = rows.sample(p);
      boolean wrong = pred[p] != labels[i];
      s.fHistory[k + 1][i] = f[p];
      s.wrongNow[i] = wrong;
      if (f[p] > s.fMax[i]) {
        better[p] = true;
        anyBetter = true;
        s.fMax[i] = f[p];
        s.wrongMax[i] = wrong;
      }
      if (wrong && (!s.hasAdv[i] || f[p] > s.advLoss[i])) {
        advBetter[p] = true;
        anyAdv = true;
        s.hasAdv[i] = true;
        s.advLoss[i] = f[p];
      }
      if (k == 0) {
        s.fMaxAtCheck[i] = s.fMax[i];
      }
    }
    if (anyBetter) {
      NDArray mask = mask(state, better, t.shape);
      t.xMax = NDArrays.where(mask, next, t.xMax);
      if (needGradient) {
        t.gMax = NDArrays.where(mask, gNext, t.gMax);
      }
    }
    if (anyAdv) {
      t.xAdv = NDArrays.where(mask(state, advBetter, t.shape), next, t.xAdv);
    }
    if (lastCheckpoint >= 0) {
      boolean[] halve = new boolean[m];
      boolean anyHalve = false;
      for (int p = 0; p < m; p++) {
        if (!rows.alive(p)) {
          continue;
        }
        int i = rows.sample(p);
        int increased = 0;
        for (int h = lastCheckpoint; h < k; h++) {
          increased += s.fHistory[h + 1][i] > s.fHistory[h][i] ? 1 : 0;
        }
        boolean stalled = increased < spec.rho() * (k - lastCheckpoint);
        boolean noProgress = !s.reducedAtCheck[i] && s.fMax[i] <= s.fMaxAtCheck[i];
        halve[p] = stalled || noProgress;
        s.reducedAtCheck[i] = halve[p];
        s.fMaxAtCheck[i] = s.fMax[i];
        if (halve[p]) {
          anyHalve = true;
          s.eta[i] /= 2;
          s.fHistory[k + 1][i] = s.fMax[i];
          s.wrongNow[i] = s.wrongMax[i];
        }
      }
      if (anyHalve) {
        NDArray mask = mask(state, halve, t.shape);
        next = NDArrays.where(mask, t.xMax, next);
        if (needGradient) {
          gNext = NDArrays.where(mask, t.gMax, gNext);
        }
      }
    }
    t.xPrev = t.x;
    t.x = next;
    t.g = gNext;
  }

  /** A per-sample mask as an array of {@code shape} (DJL's {@code where} does not broadcast). */
  private static NDArray mask(NDManager manager, boolean[] rows, Shape shape) {
    return manager.create(rows).reshape(rows.length, 1, 1, 1).broadcast(shape);
  }

  /** A forward (and backward, if {@code gradient}) pass at {@code leaf}, a fresh array. */
  private Gradients.Evaluation pass(Network source, NDArray leaf, Tensors t, boolean gradient) {
    return gradient
        ? Gradients.lossGradient(source, leaf, t.y, t.target, loss)
        : Gradients.loss(source, leaf, t.y, t.target, loss);
  }

  /** Per-sample bookkeeping in Java arrays, indexed by the sample's position in the restart. */
  private static final class State {
    final float[][] fHistory;
    final float[] fMax;
    final float[] fMaxAtCheck;
    final float[] advLoss;
    final float[] eta;
    final boolean[] reducedAtCheck;
    final boolean[] hasAdv;
    final boolean[] wrongNow;
    final boolean[] wrongMax;

    State(int n, int steps) {
      fHistory = new float[steps + 1][n];
      fMax = new float[n];
      fMaxAtCheck = new float[n];
      advLoss = new float[n];
      eta = new float[n];
      reducedAtCheck = new boolean[n];
      hasAdv = new boolean[n];
      wrongNow = new boolean[n];
      wrongMax = new boolean[n];
    }
  }

  /**
   * The active samples' tensors: the clean batch, labels and box on the restart's manager, the
   * iterates on the current state manager ({@link #moveTo}).
   */
  private final class Tensors {
    final NDManager batch;
    final InputShape inputShape;
    Shape shape;
    NDArray clean;
    NDArray y;
    NDArray target;
    NDArray lower;
    NDArray upper;
    NDArray x;
    NDArray xPrev;
    NDArray g;
    NDArray xMax;
    NDArray gMax;
    NDArray xAdv;

    Tensors(NDManager batch, InputShape inputShape, float[] pixels, int[] labels, int[] targets) {
      this.batch = batch;
      this.inputShape = inputShape;
      bounds(pixels, labels, targets);
    }

    private void bounds(float[] pixels, int[] labels, int[] targets) {
      shape = new Shape(inputShape.batchShape(labels.length));
      clean = batch.create(pixels, shape);
      y = AttackSupport.labels(batch, labels);
      target = targets == null ? null : AttackSupport.labels(batch, targets);
      lower = clean.sub(spec.eps()).clip(0, 1);
      upper = clean.add(spec.eps()).clip(0, 1);
    }

    /** {@code P}: onto the eps box and [0, 1], as one max and one min; attached to v's manager. */
    NDArray project(NDArray v) {
      return v.maximum(lower).minimum(upper);
    }

    /** Moves the iterates to {@code next}; what stays behind is freed with the old manager. */
    void moveTo(NDManager next) {
      for (NDArray a : new NDArray[] {x, xPrev, g, xMax, gMax, xAdv}) {
        if (a != null) {
          a.attach(next);
        }
      }
    }

    /** Keeps packed rows {@code kept} of every tensor (early stop); iterates on {@code state}. */
    void compact(
        NDManager state, int[] kept, float[] keptClean, int[] keptLabels, int[] keptTargets) {
      for (NDArray a : new NDArray[] {clean, y, target, lower, upper}) {
        if (a != null) {
          a.close();
        }
      }
      bounds(keptClean, keptLabels, keptTargets);
      NDArray[] old = {x, xPrev, g, xMax, gMax, xAdv};
      NDArray[] packed = new NDArray[old.length];
      for (int a = 0; a < old.length; a++) {
        // The same array may sit in several fields (x is x_max at the start): pack it once.
        for (int b = 0; b < a && packed[a] == null; b++) {
          if (old[b] == old[a]) {
            packed[a] = packed[b];
          }
        }
        if (packed[a] == null && old[a] != null) {
          float[] values = old[a].toFloatArray();
          packed[a] = state.create(AttackSupport.pick(values, inputShape.pixels(), kept), shape);
        }
      }
      x = packed[0];
      xPrev = packed[1];
      g = packed[2];
      xMax = packed[3];
      gMax = packed[4];
      xAdv = packed[5];
    }
  }
}

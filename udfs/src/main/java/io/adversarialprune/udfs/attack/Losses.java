package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;

/** Loss helpers shared by the attacks and the evaluation. Stateless. */
final class Losses {

  /** Added to the DLR denominator, as in the paper, so that equal logits do not divide by 0. */
  static final float DLR_EPSILON = 1e-12f;

  private Losses() {}

  /** The per-sample loss an attack maximizes. */
  enum Loss {
    /** Cross entropy, {@link #crossEntropy}. */
    CE,
    /** Difference of logits ratio, {@link #dlr}; needs at least 3 classes. */
    DLR,
    /** Targeted difference of logits ratio, {@link #dlrTargeted}; needs at least 4 classes. */
    DLR_TARGETED,
    /**
     * The target's logit minus the label's, {@link #targetMargin} (FAB-T's linearized boundary).
     */
    TARGET_MARGIN;

    /**
     * The per-sample loss, shape {@code [N]}.
     *
     * @param targets int64 target classes {@code [N]} for {@link #DLR_TARGETED} and {@link
     *     #TARGET_MARGIN}, else ignored
     */
    NDArray of(NDArray logits, NDArray labels, NDArray targets) {
      return switch (this) {
        case CE -> crossEntropy(logits, labels);
        case DLR -> dlr(logits, labels);
        case DLR_TARGETED -> dlrTargeted(logits, labels, targets);
        case TARGET_MARGIN -> targetMargin(logits, labels, targets);
      };
    }
  }

  /**
   * Attaches {@code derived}, made from the labels (DJL puts it on the labels' manager, which lives
   * as long as a whole attack run), to the manager of the pass's {@code logits}, so that it is
   * freed with the pass instead of piling up for the run.
   */
  private static NDArray onPass(NDArray derived, NDArray logits) {
    derived.attach(logits.getManager());
    return derived;
  }

  /**
   * Per-sample cross entropy {@code -log softmax(logits)[label]}, shape {@code [N]}, the same ops
   * as PyTorch's {@code F.cross_entropy(..., reduction="none")} (log-softmax, then pick).
   *
   * @param labels int64 labels, shape {@code [N]}
   */
  static NDArray crossEntropy(NDArray logits, NDArray labels) {
    long n = logits.getShape().get(0);
    return logits.logSoftmax(1).gather(onPass(labels.reshape(n, 1), logits), 1).reshape(n).neg();
  }

  /**
   * Per-sample difference of logits ratio (Croce and Hein, ICML 2020, eq. 5), shape {@code [N]}:
   *
   * <pre>
   *   DLR(z, y) = -(z_y - max_{i != y} z_i) / (z_pi1 - z_pi3 + 1e-12)
   * </pre>
   *
   * where {@code z_pi1 >= z_pi2 >= z_pi3} are the three largest logits. Positive exactly when the
   * sample is misclassified; invariant to shifting and scaling the logits. {@code max_{i != y}} is
   * taken over the logits with the label's entry pushed to {@code -1e30} (a subtraction of {@code
   * 0} leaves every other entry exact), so its gradient goes to the largest other class.
   *
   * @param labels int64 labels, shape {@code [N]}; the logits need at least 3 classes
   */
  static NDArray dlr(NDArray logits, NDArray labels) {
    long n = logits.getShape().get(0);
    long classes = logits.getShape().get(1);
    NDArray index = onPass(labels.reshape(n, 1), logits);
    NDArray zy = logits.gather(index, 1).reshape(n);
    NDArray mask = onPass(labels.oneHot((int) classes), logits).toType(logits.getDataType(), false);
    NDArray zOther = logits.sub(mask.mul(1e30f)).max(new int[] {1});
    NDArray sorted = logits.sort(1);
    NDArray top1 = sorted.get(":, " + (classes - 1));
    NDArray top3 = sorted.get(":, " + (classes - 3));
    return zy.sub(zOther).div(top1.sub(top3).add(DLR_EPSILON)).neg();
  }

  /**
   * Per-sample targeted difference of logits ratio (Croce and Hein, ICML 2020, section 4; the loss
   * of AutoAttack's APGD-T), shape {@code [N]}:
   *
   * <pre>
   *   DLR_t(z, y) = -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12)
   * </pre>
   *
   * where {@code z_pi1 >= z_pi2 >= z_pi3 >= z_pi4} are the four largest logits: maximizing it
   * raises the target's logit above the label's.
   *
   * @param labels int64 labels, shape {@code [N]}; the logits need at least 4 classes
   * @param targets int64 target classes, shape {@code [N]}
   */
  static NDArray dlrTargeted(NDArray logits, NDArray labels, NDArray targets) {
    long n = logits.getShape().get(0);
    long classes = logits.getShape().get(1);
    NDArray zy = logits.gather(onPass(labels.reshape(n, 1), logits), 1).reshape(n);
    NDArray zt = logits.gather(onPass(targets.reshape(n, 1), logits), 1).reshape(n);
    NDArray sorted = logits.sort(1);
    NDArray top1 = sorted.get(":, " + (classes - 1));
    NDArray top3 = sorted.get(":, " + (classes - 3));
    NDArray top4 = sorted.get(":, " + (classes - 4));
    return zy.sub(zt).div(top1.sub(top3.add(top4).mul(0.5f)).add(DLR_EPSILON)).neg();
  }

  /**
   * Per-sample {@code z_t - z_y}, shape {@code [N]}: negative while the label's logit beats the
   * target's, zero on the boundary between the two classes. FAB-T linearizes it at its iterate
   * (this value and its input gradient) to find the boundary's nearest point (Croce and Hein, ICML
   * 2020, "Minimally distorted adversarial examples with a fast adaptive boundary attack").
   *
   * @param labels int64 labels, shape {@code [N]}
   * @param targets int64 target classes, shape {@code [N]}
   */
  static NDArray targetMargin(NDArray logits, NDArray labels, NDArray targets) {
    long n = logits.getShape().get(0);
    NDArray zy = logits.gather(onPass(labels.reshape(n, 1), logits), 1).reshape(n);
    NDArray zt = logits.gather(onPass(targets.reshape(n, 1), logits), 1).reshape(n);
    return zt.sub(zy);
  }
}

package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.Network;

/**
 * The input gradient of the attack loss, computed the one way every attack and the engine check
 * ({@code udfs.check.EngineCheck}) compute it, so that what the check verifies is what the attacks
 * use. Stateless.
 */
public final class Gradients {

  private static final java.util.concurrent.atomic.LongAdder IMAGE_PASSES =
      new java.util.concurrent.atomic.LongAdder();

  private static final java.util.concurrent.atomic.LongAdder PASS_NANOS =
      new java.util.concurrent.atomic.LongAdder();

  private static final java.util.concurrent.atomic.LongAdder FORWARD_NANOS =
      new java.util.concurrent.atomic.LongAdder();

  private Gradients() {}

  /**
   * Images sent through an attack's forward+backward pass ({@link #lossGradient}) in this JVM so
   * far, all threads: a measure of attack cost that, unlike time, does not depend on what else runs
   * on the machine (benchmarks compare it before and after a run, e.g. with early stop on and off).
   * Monotonic; never reset.
   */
  public static long imagePasses() {
    return IMAGE_PASSES.sum();
  }

  /**
   * Wall-clock nanoseconds spent inside {@link #lossGradient} (forward, loss, backward) in this JVM
   * so far, all threads: an attack's time minus this delta is what it spends outside the engine's
   * passes (its own arithmetic and bookkeeping), measured on the same iterates in the same run
   * ({@code PgdStepBench}). Host time: on a GPU, where kernels run asynchronously, it counts what
   * the host waited for, not the device's work. Monotonic; never reset.
   */
  public static long passNanos() {
    return PASS_NANOS.sum();
  }

  /**
   * Wall-clock nanoseconds spent inside {@link #loss}, the forward-only passes an attack makes once
   * per run rather than per step (APGD's last iterate and its restarts' scoring, APGD-T's clean
   * logits), in this JVM so far, all threads. Monotonic; never reset.
   */
  public static long forwardNanos() {
    return FORWARD_NANOS.sum();
  }

  /**
   * The gradient of the cross entropy summed over the batch with respect to {@code leaf}: each
   * sample's logits depend on its own input only (eval mode), so each sample's slice is the
   * gradient of its own loss.
   *
   * <p>Grad mode is turned on for the calling thread for the forward and backward and left off on
   * return; {@code JniUtils.backward} is called directly (no DJL {@code GradientCollector}, of
   * which one may be open per JVM). {@code leaf} must be a fresh array that no earlier backward has
   * touched, since DJL never zeroes gradients; it is marked as requiring a gradient here. The
   * result and all intermediates are attached to {@code leaf}'s manager.
   *
   * @param source a {@link Classifier.Mode#DIFFERENTIABLE} classifier
   * @param leaf pixels {@code [N, C, H, W]} in [0, 1]
   * @param labels int64 labels {@code [N]}
   */
  public static NDArray inputGradient(Network source, NDArray leaf, NDArray labels) {
    return lossGradient(source, leaf, labels, Losses.Loss.CE).gradient();
  }

  /**
   * The gradient of {@code loss} summed over the batch with respect to {@code leaf}, with the
   * per-sample losses and the logits of the same forward pass (what the attacks need for best-point
   * tracking and early stopping at no extra pass). Same contract as {@link #inputGradient}.
   */
  static Evaluation lossGradient(Network source, NDArray leaf, NDArray labels, Losses.Loss loss) {
    return lossGradient(source, leaf, labels, null, loss);
  }

  /**
   * As {@link #lossGradient(Network, NDArray, NDArray, Losses.Loss)}, for a loss that takes target
   * classes ({@code targets}, int64 {@code [N]}; {@code null} for the others).
   */
  static Evaluation lossGradient(
      Network source, NDArray leaf, NDArray labels, NDArray targets, Losses.Loss loss) {
    long start = System.nanoTime();
    leaf.setRequiresGradient(true);
    JniUtils.setGradMode(true);
    NDArray logits;
    NDArray losses;
    try {
      logits = source.logits(leaf);
      losses = loss.of(logits, labels, targets);
      NDArray total = losses.sum();
      JniUtils.backward(
          (PtNDArray) total, (PtNDArray) leaf.getManager().ones(total.getShape()), false, false);
    } finally {
      JniUtils.setGradMode(false);
    }
    IMAGE_PASSES.add(leaf.getShape().get(0));
    NDArray gradient = leaf.getGradient();
    PASS_NANOS.add(System.nanoTime() - start);
    return new Evaluation(gradient, losses, logits);
  }

  /**
   * Per-sample losses and logits with grad mode off (a forward pass only), attached to {@code x}'s
   * manager; {@code targets} as in {@link #lossGradient}. The calling thread's grad mode is left
   * off.
   */
  static Evaluation loss(
      Network source, NDArray x, NDArray labels, NDArray targets, Losses.Loss loss) {
    long start = System.nanoTime();
    JniUtils.setGradMode(false);
    NDArray logits = source.logits(x);
    NDArray losses = loss.of(logits, labels, targets);
    FORWARD_NANOS.add(System.nanoTime() - start);
    return new Evaluation(null, losses, logits);
  }

  /**
   * One pass's results, attached to the leaf's manager.
   *
   * @param gradient the input gradient, {@code null} for a forward-only pass
   * @param losses per-sample losses {@code [N]}
   * @param logits {@code [N, classes]}
   */
  record Evaluation(NDArray gradient, NDArray losses, NDArray logits) {

    /**
     * Frees the losses and logits, and with them the autograd graph they hold (every saved
     * activation of the pass), keeping the gradient: an attack that keeps its iterates across steps
     * calls this once it has read them, so that the next pass can reuse that memory.
     */
    void release() {
      losses.close();
      logits.close();
    }

    /** The arg-max class per sample (lowest index on ties, as {@code torch.argmax}). */
    long[] predictions() {
      return logits.argMax(1).toLongArray();
    }
  }
}

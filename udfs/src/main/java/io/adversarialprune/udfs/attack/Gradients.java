package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.model.Classifier;

/**
 * The input gradient of the attack loss, computed the one way every attack and the engine check
 * ({@code udfs.check.EngineCheck}) compute it, so that what the check verifies is what the attacks
 * use. Stateless.
 */
public final class Gradients {

  private Gradients() {}

  /**
   * The gradient of the cross entropy summed over the batch with respect to {@code leaf}: each
   * sample's logits depend on its own input only (eval mode), so each sample's slice is the
   * gradient of its own loss.
   *
   * <p>Grad mode is turned on for the calling thread for the forward and backward and left off on
   * return; {@code JniUtils.backward} is called directly (no DJL {@code GradientCollector}, of which
   * one may be open per JVM). {@code leaf} must be a fresh array that no earlier backward has
   * touched, since DJL never zeroes gradients; it is marked as requiring a gradient here. The
   * result and all intermediates are attached to {@code leaf}'s manager.
   *
   * @param source a {@link Classifier.Mode#DIFFERENTIABLE} classifier
   * @param leaf pixels {@code [N, C, H, W]} in [0, 1]
   * @param labels int64 labels {@code [N]}
   */
  public static NDArray inputGradient(Classifier source, NDArray leaf, NDArray labels) {
    leaf.setRequiresGradient(true);
    JniUtils.setGradMode(true);
    try {
      NDArray loss = Losses.crossEntropy(source.logits(leaf), labels).sum();
      JniUtils.backward(
          (PtNDArray) loss, (PtNDArray) leaf.getManager().ones(loss.getShape()), false, false);
    } finally {
      JniUtils.setGradMode(false);
    }
    return leaf.getGradient();
  }
}

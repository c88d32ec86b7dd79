package io.adversarialprune.udfs.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;

/**
 * A {@link Classifier} with its feature maps clamped: every probed layer's output clamped to fixed
 * bounds before the network goes on (grid kind {@code A}, docs/CLAMP.md). Its forward is the model
 * file's clamped forward ({@link Probes#logitsClamped(NDArray, ClampBounds, ClampGradient)}: {@code
 * forward_clamped}, or {@code forward_clamped_st} with the {@link ClampGradient#STRAIGHT_THROUGH}
 * gradient), so every attack, prediction, judge and engine check that runs a {@link Network} runs
 * the clamped model unchanged. Its {@link #probes()} see the clamped network too, for layer
 * anatomy.
 *
 * <p>Wraps the classifier and leaves it as it is: the plain forward stays the classifier's own, and
 * its weights are whatever they are when this runs (pruned or not). Bounds and gradient are fixed
 * at creation; the other gradient is another instance ({@link #of}).
 *
 * <p>Lifecycle: the creator owns it and must {@link #close()} it, before the classifier. It holds
 * the bound arrays it hands to the clamped methods, made once, in a sub-manager of the
 * classifier's; closing frees them and nothing else. Thread-safety: not thread-safe, like the
 * classifier.
 */
public final class ClampedClassifier implements Network, AutoCloseable {

  private final Classifier classifier;
  private final ClampBounds bounds;
  private final ClampGradient gradient;
  private final NDManager arrays;
  private final NDList inputs;
  private final Probes probes;

  private ClampedClassifier(
      Classifier classifier,
      ClampBounds bounds,
      ClampGradient gradient,
      NDManager arrays,
      NDList inputs,
      Probes probes) {
    this.classifier = classifier;
    this.bounds = bounds;
    this.gradient = gradient;
    this.arrays = arrays;
    this.inputs = inputs;
    this.probes = probes;
  }

  /**
   * The classifier of {@code probes} with its probed layers clamped to {@code bounds}, attacked
   * with {@code gradient}.
   *
   * @param probes the plain classifier's probes ({@link Probes#of})
   * @throws IllegalArgumentException when {@code bounds} is not for these probes ({@link
   *     Probes#check}) or the probes are a clamped classifier's
   */
  public static ClampedClassifier of(Probes probes, ClampBounds bounds, ClampGradient gradient) {
    if (probes.clamped()) {
      throw new IllegalArgumentException(
          "clamp the plain classifier's probes, not a clamped one's");
    }
    probes.check(bounds);
    Classifier classifier = probes.classifier();
    NDManager arrays = classifier.manager().newSubManager();
    try {
      NDList inputs = Probes.boundInputs(arrays, bounds);
      return new ClampedClassifier(
          classifier, bounds, gradient, arrays, inputs, probes.clampedBy(inputs));
    } catch (RuntimeException e) {
      arrays.close();
      throw e;
    }
  }

  /** The clamped forward; see {@link Network#logits(NDArray)}. */
  @Override
  public NDArray logits(NDArray pixels) {
    return logits(pixels, classifier.memoryFormat());
  }

  /** The clamped forward, handed the batch in {@code format}; see {@link Network#logits}. */
  @Override
  public NDArray logits(NDArray pixels, MemoryFormat format) {
    return classifier.run(gradient.method(), pixels, format, inputs).singletonOrThrow();
  }

  /**
   * The probes of the clamped network: their {@link Probes#features} are each layer's output after
   * its clamp, what the next layer sees. Usable while this is open.
   */
  public Probes probes() {
    return probes;
  }

  /** The bounds, one pair per probe. */
  public ClampBounds bounds() {
    return bounds;
  }

  /** The gradient attacks get through the clamps. */
  public ClampGradient gradient() {
    return gradient;
  }

  /** The plain classifier this wraps. */
  public Classifier classifier() {
    return classifier;
  }

  @Override
  public int classes() {
    return classifier.classes();
  }

  @Override
  public InputShape inputShape() {
    return classifier.inputShape();
  }

  @Override
  public MemoryFormat memoryFormat() {
    return classifier.memoryFormat();
  }

  @Override
  public Device device() {
    return classifier.device();
  }

  @Override
  public Path file() {
    return classifier.file();
  }

  @Override
  public Classifier.Mode mode() {
    return classifier.mode();
  }

  @Override
  public NDManager manager() {
    return classifier.manager();
  }

  /** Frees the bound arrays; the classifier stays open. Idempotent. */
  @Override
  public void close() {
    arrays.close();
  }

  @Override
  public String toString() {
    return "ClampedClassifier[" + classifier + ", " + bounds + ", " + gradient + "]";
  }
}

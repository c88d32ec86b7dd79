package io.adversarialprune.udfs.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;

/**
 * What attacks, predictions, judges and the engine check run: a function from a pixel batch in [0,
 * 1] to logits, on a DJL device, with input gradients when autograd is on. Either a plain {@link
 * Classifier} or a {@link ClampedClassifier} around one; callers cannot tell them apart, which is
 * the point: every attack runs unchanged on a model whose feature maps are clamped.
 *
 * <p>Lifecycle and thread-safety: those of the {@link Classifier} behind it, which owns the module
 * and {@link #manager()}. Not thread-safe.
 */
public interface Network {

  /**
   * Logits {@code [N, classes]} for a pixel batch {@code [N, C, H, W]} in [0, 1]; normalization is
   * applied inside. The result is attached to {@code pixels}' manager. Whether autograd records the
   * call is up to the calling thread's grad mode (always off in {@link Classifier.Mode#INFERENCE}).
   */
  NDArray logits(NDArray pixels);

  /**
   * As {@link #logits(NDArray)}, but handing the batch to the module in {@code format} instead of
   * {@link #memoryFormat()}: the same function computed by other kernels, which is how the engine
   * check ({@code udfs.check.EngineCheck}) compares kernels against each other.
   */
  NDArray logits(NDArray pixels, MemoryFormat format);

  /** Number of output classes. */
  int classes();

  /** The input shape the model was loaded (and probed) for. */
  InputShape inputShape();

  /** The layout batches are handed to the module in (resolved: never {@link MemoryFormat#AUTO}). */
  MemoryFormat memoryFormat();

  /** The device the module lives on. */
  Device device();

  /** The model file, for messages. */
  Path file();

  /** How the model was loaded: with input gradients or for inference only. */
  Classifier.Mode mode();

  /**
   * The model's manager. Use it only as the parent of short-lived sub-managers; everything attached
   * to it lives until the classifier is closed.
   */
  NDManager manager();
}

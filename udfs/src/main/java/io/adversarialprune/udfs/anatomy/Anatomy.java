package io.adversarialprune.udfs.anatomy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Probes;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures a batch: the {@link LayerStats} of every probed layer from the clean images and their
 * adversarial versions. Stateless.
 */
public final class Anatomy {

  /**
   * The absolute tolerance of {@link LayerStats#changedFraction()} the sweep uses: above float
   * rounding of activations of order 1, far below any change an attack makes on purpose.
   */
  public static final double TOLERANCE = 1e-6;

  /** The name of the last probe when it is the model's output. */
  static final String LOGITS = "logits";

  private Anatomy() {}

  /**
   * Runs {@code features} on the clean and the adversarial batch and reduces each layer to its
   * {@link LayerStats}, in {@link Probes#names()} order: the layers of the network the probes see
   * ({@link Probes#features}), what the attacked model computes. Grad mode is off for the passes
   * (and restored); the activations live in one sub-manager of the classifier's, closed on return,
   * and are copied to the heap one layer at a time.
   *
   * @param probes the model's probes
   * @param clean clean pixels, NCHW in [0, 1], a whole number of images
   * @param adv the adversarial pixels of the same images, same layout
   * @param tolerance the absolute tolerance of {@link LayerStats#changedFraction()}
   */
  public static List<LayerStats> measure(
      Probes probes, float[] clean, float[] adv, double tolerance) {
    return measureWithLogits(probes, clean, adv, tolerance).layers();
  }

  /**
   * What one batch's anatomy passes give: every probed layer's statistics and, when the last probe
   * is {@code logits} (the export tool's contract), the clean and adversarial logits it read, which
   * equal the forward pass's bit for bit, so a caller need not run that pass again.
   *
   * @param cleanLogits {@code n * classes} logits on the clean images, or null
   * @param advLogits the same on the adversarial images, or null
   */
  public record Measured(List<LayerStats> layers, float[] cleanLogits, float[] advLogits) {}

  /** {@link #measure}, keeping the logits of the last probe. */
  public static Measured measureWithLogits(
      Probes probes, float[] clean, float[] adv, double tolerance) {
    InputShape shape = probes.classifier().inputShape();
    if (clean.length != adv.length || clean.length == 0 || clean.length % shape.pixels() != 0) {
      throw new IllegalArgumentException(
          "clean and adversarial batches must be the same whole number of images "
              + shape.describe(1)
              + ", got "
              + clean.length
              + " and "
              + adv.length
              + " values");
    }
    int n = clean.length / shape.pixels();
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager scope = probes.classifier().manager().newSubManager()) {
      Shape batch = new Shape(shape.batchShape(n));
      NDList a = probes.features(scope.create(clean, batch));
      NDList b = probes.features(scope.create(adv, batch));
      List<LayerStats> out = new ArrayList<>(a.size());
      float[] cleanLogits = null;
      float[] advLogits = null;
      for (int i = 0; i < a.size(); i++) {
        float[] ai = a.get(i).toFloatArray();
        float[] bi = b.get(i).toFloatArray();
        out.add(LayerStats.of(ai, bi, n, tolerance));
        if (i == a.size() - 1 && probes.names().get(i).equals(LOGITS)) {
          cleanLogits = ai;
          advLogits = bi;
        }
        // Each layer's native arrays go as soon as they are reduced.
        a.get(i).close();
        b.get(i).close();
      }
      return new Measured(List.copyOf(out), cleanLogits, advLogits);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /**
   * Merges two per-layer lists of the same probes, element by element.
   *
   * @throws IllegalArgumentException when they differ in length or tolerance
   */
  public static List<LayerStats> merge(List<LayerStats> x, List<LayerStats> y) {
    if (x.size() != y.size()) {
      throw new IllegalArgumentException(
          "cannot merge layer statistics of " + x.size() + " and " + y.size() + " layers");
    }
    List<LayerStats> out = new ArrayList<>(x.size());
    for (int i = 0; i < x.size(); i++) {
      out.add(x.get(i).merge(y.get(i)));
    }
    return List.copyOf(out);
  }
}

package io.adversarialprune.udfs.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.attack.Square;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Normalization;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The cost of one Square query against a bare forward pass of the same batch on the same model: a
 * radius so small (1e-4) that no sample falls, so every query is a full batch, and the clean and
 * start queries are amortized over many. Not a test; run by hand:
 *
 * <pre>
 * java -cp ... io.adversarialprune.udfs.bench.SquareQueryBench MODEL BATCH QUERIES MEAN STD [NORM]
 * </pre>
 *
 * e.g. the default model {@code job/src/main/resources/default/fashion-mnist-resnet.pt}, 100, 200,
 * 0.2860, 0.3530 (random images in [0, 1]: the cost does not depend on the content).
 */
public final class SquareQueryBench {

  private SquareQueryBench() {}

  public static void main(String[] args) {
    Path file = Path.of(args[0]);
    int batch = Integer.parseInt(args[1]);
    int queries = Integer.parseInt(args[2]);
    float mean = Float.parseFloat(args[3]);
    float std = Float.parseFloat(args[4]);
    String norm = args.length > 5 ? args[5] : "linf";
    InputShape shape = new InputShape(1, 28, 28);
    SplittableRandom r = new SplittableRandom(1);
    float[] pixels = new float[batch * shape.pixels()];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) r.nextDouble();
    }
    try (Classifier model =
        Classifier.load(
            file, Device.cpu(), new Normalization(new float[] {mean}, new float[] {std}), shape)) {
      int[] labels = new int[batch];
      long[] ids = new long[batch];
      float[] logits = forward(model, pixels, batch);
      for (int i = 0; i < batch; i++) {
        ids[i] = i;
        int best = 0;
        for (int c = 1; c < model.classes(); c++) {
          best = logits[i * model.classes() + c] > logits[i * model.classes() + best] ? c : best;
        }
        labels[i] = best; // the model's own prediction: every sample starts correct
      }
      double eps = norm.equals("l2") ? 1e-3 : 1e-4;
      Square spec = new Square(norm, eps, queries, 0.8, 1, false);
      spec.attack().perturb(model, 0, ids, labels, pixels); // warm-up
      // Square and the bare forwards alternate, three rounds, so that a change in the machine's
      // load hits both; process CPU time (all threads) moves less with other processes than wall.
      double[] ratios = new double[3];
      double squareMs = 0;
      double bareMs = 0;
      for (int round = 0; round < ratios.length; round++) {
        long cpu0 = AttackStrengthBench.processCpuNanos();
        spec.attack().perturb(model, 0, ids, labels, pixels);
        double square = (AttackStrengthBench.processCpuNanos() - cpu0) / 1e6 / (queries + 2);
        cpu0 = AttackStrengthBench.processCpuNanos();
        for (int q = 0; q < queries + 2; q++) {
          forward(model, pixels, batch);
        }
        double bare = (AttackStrengthBench.processCpuNanos() - cpu0) / 1e6 / (queries + 2);
        ratios[round] = square / bare;
        squareMs += square / ratios.length;
        bareMs += bare / ratios.length;
      }
      java.util.Arrays.sort(ratios);
      System.out.printf(
          Locale.ROOT,
          "square %s batch %d: %.2f ms cpu per query, bare forward %.2f ms cpu, median ratio %.3f"
              + " (%d threads)%n",
          norm,
          batch,
          squareMs,
          bareMs,
          ratios[1],
          JniUtils.getNumThreads());
    }
  }

  private static float[] forward(Classifier model, float[] pixels, int batch) {
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray x = scope.create(pixels, new Shape(model.inputShape().batchShape(batch)));
      return model.logits(x).toFloatArray();
    } finally {
      JniUtils.setGradMode(grad);
    }
  }
}

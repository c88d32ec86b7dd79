package io.adversarialprune.udfs.bench;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.attack.AttackSpec;
import io.adversarialprune.udfs.attack.AutoAttack;
import io.adversarialprune.udfs.attack.Predictions;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Normalization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The autoattack cascade's time per member on one model and the first N images of an IDX data set,
 * and what the cascade saves over running every member on every sample. The cascade is run the way
 * {@code CascadeAttack} runs it, member by member on the samples still standing (whole batches of
 * them; the engine's own padding to buckets is left to the attacks), so each member can be timed.
 * Not a test; run by hand:
 *
 * <pre>
 * java -cp ... io.adversarialprune.udfs.bench.CascadeBench MODEL IMAGES.gz LABELS.gz N BATCH MEAN
 *     STD [EPS (default 0.03)]
 * </pre>
 */
public final class CascadeBench {

  private CascadeBench() {}

  public static void main(String[] args) throws IOException {
    Path file = Path.of(args[0]);
    int n = Integer.parseInt(args[3]);
    int batch = Integer.parseInt(args[4]);
    float mean = Float.parseFloat(args[5]);
    float std = Float.parseFloat(args[6]);
    double eps = args.length > 7 ? Double.parseDouble(args[7]) : 0.03;
    InputShape shape = new InputShape(1, 28, 28);
    int per = shape.pixels();
    float[] pixels = AttackStrengthBench.images(Path.of(args[1]), n, per);
    int[] labels = AttackStrengthBench.labels(Path.of(args[2]), n);
    List<AttackSpec> members = new AutoAttack("linf", eps, true).members();
    try (Classifier model =
        Classifier.load(file, Device.cpu(), Normalization.uniform(1, mean, std), shape)) {
      System.out.printf(
          Locale.ROOT,
          "model=%s images=%d batch=%d threads=%d eps=%s%n",
          file.getFileName(),
          n,
          batch,
          JniUtils.getNumThreads(),
          eps);
      int[] all = new int[n];
      for (int i = 0; i < n; i++) {
        all[i] = i;
      }
      boolean[] standing = attacked(model, null, all, labels, pixels, batch);
      int correct = count(standing);
      System.out.printf(Locale.ROOT, "clean correct %d%n", correct);
      double cascadeSeconds = 0;
      double aloneSeconds = 0;
      boolean[] robust = standing.clone();
      for (AttackSpec m : members) {
        int[] todo = where(robust);
        long t0 = System.nanoTime();
        boolean[] still = attacked(model, m, todo, labels, pixels, batch);
        double inCascade = (System.nanoTime() - t0) / 1e9;
        for (int k = 0; k < todo.length; k++) {
          robust[todo[k]] = still[k];
        }
        int[] correctOnes = where(standing);
        t0 = System.nanoTime();
        boolean[] alone = attacked(model, m, correctOnes, labels, pixels, batch);
        double onAll = (System.nanoTime() - t0) / 1e9;
        cascadeSeconds += inCascade;
        aloneSeconds += onAll;
        System.out.printf(
            Locale.ROOT,
            "%-8s in the cascade: %4d samples in, %4d left, %8.1f s | alone on the %d"
                + " clean-correct: %4d left, %8.1f s%n",
            m.type(),
            todo.length,
            count(robust),
            inCascade,
            correctOnes.length,
            count(alone),
            onAll);
      }
      System.out.printf(
          Locale.ROOT,
          "cascade %.1f s, robust accuracy %.3f; every member on every sample %.1f s (%.1fx)%n",
          cascadeSeconds,
          (double) count(robust) / n,
          aloneSeconds,
          aloneSeconds / cascadeSeconds);
    }
  }

  /**
   * Per sample of {@code rows}, whether it is still classified correctly after {@code attack}
   * (null: the clean images), in batches of {@code batch}.
   */
  private static boolean[] attacked(
      Classifier model, AttackSpec attack, int[] rows, int[] labels, float[] pixels, int batch) {
    int per = model.inputShape().pixels();
    boolean[] out = new boolean[rows.length];
    for (int from = 0; from < rows.length; from += batch) {
      int to = Math.min(rows.length, from + batch);
      long[] ids = new long[to - from];
      int[] y = new int[to - from];
      float[] x = new float[(to - from) * per];
      for (int k = from; k < to; k++) {
        ids[k - from] = rows[k];
        y[k - from] = labels[rows[k]];
        System.arraycopy(pixels, rows[k] * per, x, (k - from) * per, per);
      }
      float[] adv = attack == null ? x : attack.attack().perturb(model, 0, ids, y, x);
      int[] pred = Predictions.of(model, y, adv).predictions();
      for (int k = from; k < to; k++) {
        out[k] = pred[k - from] == y[k - from];
      }
    }
    return out;
  }

  private static int[] where(boolean[] keep) {
    return java.util.stream.IntStream.range(0, keep.length).filter(i -> keep[i]).toArray();
  }

  private static int count(boolean[] b) {
    int c = 0;
    for (boolean v : b) {
      c += v ? 1 : 0;
    }
    return c;
  }
}

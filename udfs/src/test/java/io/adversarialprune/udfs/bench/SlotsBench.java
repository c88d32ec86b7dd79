package io.adversarialprune.udfs.bench;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.attack.Attack;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.exec.UnitExecutor;
import io.adversarialprune.udfs.model.Classifier;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Two task slots of one libtorch thread each against one slot of two threads, on two cores: two
 * units of PGD-10 run side by side on two Java threads, each with its own model and one libtorch
 * thread (what {@code local[*]} with {@code spark.task.cpus = 1} does), against the same two units
 * one after the other on one thread with two libtorch threads ({@code spark.task.cpus = 2}),
 * interleaved, round by round. Not a test; run by hand:
 *
 * <pre>
 * java -cp ... io.adversarialprune.udfs.bench.SlotsBench MODEL C H W MEAN STD IMAGES ROUNDS
 * </pre>
 */
public final class SlotsBench {

  private SlotsBench() {}

  public static void main(String[] args) throws InterruptedException {
    BenchModel bench = BenchModel.of(args);
    int images = Integer.parseInt(args[6]);
    int rounds = Integer.parseInt(args[7]);
    try (Classifier first =
            Classifier.load(bench.file(), Device.cpu(), bench.norm(), bench.shape());
        Classifier second =
            Classifier.load(bench.file(), Device.cpu(), bench.norm(), bench.shape())) {
      List<Batch> shard = List.of(bench.randomBatch(images, first.classes()));
      Attack pgd = new Pgd("linf", 0.03, 0.003, 10, true, 1, true, false).attack();
      // libtorch's thread count is per calling thread (OpenMP), so each slot sets its own.
      Runnable slotA = () -> unit(first, shard, pgd, 1);
      Runnable slotB = () -> unit(second, shard, pgd, 1);
      unit(first, shard, pgd, 2); // warm-up, both ways
      sideBySide(slotA, slotB);
      double[] ratios = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        long t0 = System.nanoTime();
        sideBySide(slotA, slotB);
        double two = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        unit(first, shard, pgd, 2);
        unit(first, shard, pgd, 2);
        double one = (System.nanoTime() - t0) / 1e9;
        ratios[r] = two / one;
        System.out.printf(
            Locale.ROOT,
            "round %d: two units as 2 slots x 1 thread %.2f s, as 1 slot x 2 threads %.2f s,"
                + " ratio %.3f%n",
            r,
            two,
            one,
            ratios[r]);
      }
      Arrays.sort(ratios);
      System.out.printf(
          Locale.ROOT,
          "%d images per unit, PGD-10, batch 100: median ratio (2 x 1) / (1 x 2) %.3f%n",
          images,
          ratios[rounds / 2]);
    }
  }

  private static void unit(Classifier model, List<Batch> shard, Attack pgd, int threads) {
    JniUtils.setNumThreads(threads);
    UnitExecutor.run(model, null, 1L, shard, pgd, 100, false, null);
  }

  private static void sideBySide(Runnable a, Runnable b) throws InterruptedException {
    Thread ta = new Thread(a);
    Thread tb = new Thread(b);
    ta.start();
    tb.start();
    ta.join();
    tb.join();
  }
}

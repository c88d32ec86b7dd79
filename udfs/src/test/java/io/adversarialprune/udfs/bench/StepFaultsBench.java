package io.adversarialprune.udfs.bench;

import ai.djl.Device;
import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.MemoryFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A bare forward + backward to the input (what a PGD step costs), five at a time, on {@code
 * THREADS} Java threads side by side (each a model of its own, like the sweep's task slots), for
 * {@code SECONDS}; prints, per thread, each round's seconds and the process's minor page faults in
 * that round. It shows what the allocator does to a step: with glibc's per-thread arenas a thread
 * may get heaps that are unmapped whenever they empty, and every round then page-faults its
 * activation buffers back in (docs/BENCHMARKS.md, "Allocator arenas"). Compare runs with and
 * without {@code glibc.malloc.arena_max=1} in {@code GLIBC_TUNABLES}.
 *
 * <pre>
 * java ... io.adversarialprune.udfs.bench.StepFaultsBench MODEL C H W MEAN STD SECONDS THREADS \
 *   [BATCH [CHANNELS_LAST|CONTIGUOUS]]
 * </pre>
 */
public final class StepFaultsBench {
  private StepFaultsBench() {}

  public static void main(String[] args) throws Exception {
    BenchModel bench = BenchModel.of(args);
    double seconds = Double.parseDouble(args[6]);
    int threads = Integer.parseInt(args[7]);
    int batch = args.length > 8 ? Integer.parseInt(args[8]) : 100;
    MemoryFormat format = args.length > 9 ? MemoryFormat.valueOf(args[9]) : MemoryFormat.AUTO;
    List<Thread> running = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int slot = t;
      Thread thread =
          new Thread(
              () -> {
                String line = "thread " + slot + ": " + rounds(bench, batch, format, seconds);
                synchronized (lines) {
                  lines.add(line);
                }
              });
      thread.start();
      running.add(thread);
    }
    for (Thread thread : running) {
      thread.join();
    }
    System.out.printf(
        "GLIBC_TUNABLES=%s; seconds/minor faults per round of 5 steps, batch %d:%n",
        System.getenv().getOrDefault("GLIBC_TUNABLES", "(unset)"), batch);
    lines.forEach(System.out::println);
  }

  private static String rounds(BenchModel bench, int batchSize, MemoryFormat format, double secs) {
    Batch b = bench.randomBatch(batchSize, 10);
    StringBuilder out = new StringBuilder();
    try (Classifier model =
        Classifier.load(
            bench.file(),
            Device.cpu(),
            bench.norm(),
            bench.shape(),
            Classifier.Mode.DIFFERENTIABLE,
            format)) {
      long end = System.nanoTime() + (long) (secs * 1e9);
      while (System.nanoTime() < end) {
        long t0 = System.nanoTime();
        long f0 = minorFaults();
        PgdStepBench.rawSteps(model, bench.shape(), b.pixels(), b.labels(), 5);
        out.append(String.format("%.2f/%d ", (System.nanoTime() - t0) / 1e9, minorFaults() - f0));
      }
    }
    return out.toString().trim();
  }

  /** The process's minor page faults so far ({@code /proc/self/stat}, field 10). */
  private static long minorFaults() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

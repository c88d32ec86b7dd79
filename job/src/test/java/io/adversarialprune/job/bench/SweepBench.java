package io.adversarialprune.job.bench;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.executor.ExecutorCache;
import io.adversarialprune.job.executor.ShardCache;
import io.adversarialprune.job.sweep.SweepRunner;
import io.adversarialprune.udfs.attack.Attack;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.check.Platform;
import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.exec.UnitExecutor;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.ImagePreprocessor;
import io.adversarialprune.udfs.model.MemoryFormat;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * The benchmark of docs/BENCHMARKS.md: PGD throughput of (a) a raw single-process DJL loop doing a
 * row's work (attack + clean and adversarial evaluation) on the default model, (b) the same work
 * through the sweep in Spark local mode, (c) a PyTorch eager reference on the same TorchScript
 * model and images with the same thread count (and both with 1 thread), (d) 1 against 2 executors
 * on a standalone cluster of 1-core workers; plus the sweep's fixed overhead, the cost of each
 * extra config, how wall time grows with images and configs, and RSS over 1,000 attack batches.
 * Everything is measured side by side in one run; it prints a table of ratios.
 *
 * <pre>
 * mvn -B -q -DskipTests package && mvn -B -q -pl job -am test-compile
 * java [launcher flags] \
 *   -cp job/target/test-classes:job/target/classes:$(cat job/target/classpath.txt) \
 *   io.adversarialprune.job.bench.SweepBench
 * </pre>
 *
 * (deploy/local/bench runs exactly that.) Not a test: nothing here asserts a timing.
 */
public final class SweepBench {
  private static final int CORES = 2;
  private static final int IMAGES = 1000;
  private static final int STEPS = 10;

  /** Shards per config on the cluster: more units than slots, so a slow one delays the end less. */
  private static final int CLUSTER_SHARDS = 4;

  private SweepBench() {}

  public static void main(String[] args) throws Exception {
    List<String[]> table = new ArrayList<>();
    SweepConfig base =
        SweepConfig.load(
            null,
            List.of(
                "sweep.attack.eps=0.03",
                "sweep.attack.alpha=0.003",
                "sweep.attack.steps=" + STEPS,
                "sweep.data.limit=" + IMAGES,
                "sweep.data.shards=" + CORES,
                "sweep.grid.E=[]",
                "sweep.grid.S=[]",
                "sweep.grid.R=[]"));
    Path model = Path.of(ExecutorCache.get().localPath(base.model().path(), "model"));
    String data = ExecutorCache.get().localPath(base.data().path(), "data");

    // (a) raw: one process, CORES intra-op threads, the row's work without Spark; and 1 thread.
    // (c) PyTorch eager on the same model and images with the same threads. Taken interleaved,
    // best of 3 rounds (2 with 1 thread): the machine is shared, its noise comes and goes, and
    // two intra-op threads wait for each other, so a stolen time slice stalls both.
    Batch shard =
        ExecutorCache.get()
            .shards()
            .get(
                new ShardCache.Key(
                    data, 0, IMAGES, new ImagePreprocessor(1, 0, 0), base.model().input()),
                Long.MAX_VALUE);
    ai.djl.engine.Engine.getEngine("PyTorch");
    double raw = 0;
    double rawNchw = 0;
    double torch = 0;
    double torchCapped = 0;
    double raw1 = 0;
    double torch1 = 0;
    double workers = 0;
    try (Classifier nhwc = load(model, base, shard, MemoryFormat.AUTO);
        Classifier nchw = load(model, base, shard, MemoryFormat.CONTIGUOUS);
        Classifier second = load(model, base, shard, MemoryFormat.AUTO)) {
      for (int round = 0; round < 3; round++) {
        raw = Math.max(raw, raw(nhwc, base, shard, CORES, round));
        rawNchw = Math.max(rawNchw, raw(nchw, base, shard, CORES, round));
        torch = Math.max(torch, pytorch(model, CORES, false));
        torchCapped = Math.max(torchCapped, pytorch(model, CORES, true));
      }
      for (int round = 0; round < 2; round++) {
        raw1 = Math.max(raw1, raw(nhwc, base, shard, 1, round));
        torch1 = Math.max(torch1, pytorch(model, 1, false));
        workers = Math.max(workers, twoWorkers(nhwc, second, base, shard, round));
      }
    }
    JniUtils.setNumThreads(CORES);
    table.add(row("(a) raw DJL loop, 1 process x " + CORES + " threads", raw, "1.00"));

    // (b) the sweep in local[CORES] mode (1 thread per task), 4 configs, after a warm-up sweep.
    Path root = Files.createTempDirectory("bench-");
    SparkSession spark =
        SparkSession.builder()
            .master("local[" + CORES + "]")
            .appName("bench")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate();
    try {
      sweep(spark, root, "warm", List.of("sweep.data.limit=40", "sweep.attack.steps=1"));
      // Best of two, as for (a) and (c): the machine is shared and noisy.
      double whole = 0;
      double steady = 0;
      for (int rep = 0; rep < 2; rep++) {
        double wall4 = sweep(spark, root, "b4-" + rep, grid(4));
        double wall8 = sweep(spark, root, "b8-" + rep, grid(8));
        whole = Math.max(whole, 8.0 * IMAGES * STEPS / wall8);
        steady = Math.max(steady, 4.0 * IMAGES * STEPS / (wall8 - wall4));
      }
      table.add(
          row(
              "(b) sweep, local[" + CORES + "], 8 configs, whole run",
              whole,
              fmt(whole / raw) + " = (b)/(a) incl. fixed overhead"));
      table.add(
          row(
              "(b) sweep, steady state (configs 5-8 of 8)",
              steady,
              fmt(steady / raw) + " = (b)/(a), target >= 0.90"));

      table.add(
          row(
              "(c) PyTorch eager, " + CORES + " threads",
              torch,
              fmt(raw / torch) + " = (a)/(c), target >= 1.0"));
      table.add(
          row(
              "(c) PyTorch eager, " + CORES + " threads, same ISA cap as (a)",
              torchCapped,
              fmt(raw / torchCapped) + " = (a)/(c) at the same oneDNN ISA"));
      table.add(row("(a1) raw DJL loop, 1 thread", raw1, ""));
      table.add(row("(c1) PyTorch eager, 1 thread", torch1, fmt(raw1 / torch1) + " = (a1)/(c1)"));
      table.add(
          row(
              "(a) with NCHW batches (memory-format contiguous)",
              rawNchw,
              fmt(raw / rawNchw) + " = channels-last speed-up"));

      // Fixed overhead and the cost of an extra config: tiny units, 1 step; each the best of 2.
      List<String> tiny = List.of("sweep.data.limit=20", "sweep.attack.steps=1");
      List<String> ten = new ArrayList<>(tiny);
      ten.add("sweep.grid.E=[0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009]");
      double one = Double.MAX_VALUE;
      double tenWall = Double.MAX_VALUE;
      for (int rep = 0; rep < 2; rep++) {
        one = Math.min(one, sweep(spark, root, "one-" + rep, tiny));
        tenWall = Math.min(tenWall, sweep(spark, root, "ten-" + rep, ten));
      }
      table.add(
          new String[] {
            "fixed overhead (1 config x 20 images x 1 step, wall)", fmt(one) + " s", ""
          });
      // Compute of one tiny config at (a)'s rate: 20 images x 1 step.
      double tinyCompute = 20.0 / raw;
      double perConfig = (tenWall - one) / 9;
      table.add(
          new String[] {
            "each extra config (9 more, 20 images x 1 step)",
            fmt(1000 * perConfig) + " ms wall",
            fmt(1000 * (perConfig - tinyCompute)) + " ms beyond compute, target <= 50"
          });

      // Growth: 10x and 100x images (1 config), 10x and 100x configs (20 images), 1 step.
      double i1 = sweep(spark, root, "i1", List.of("sweep.data.limit=10", "sweep.attack.steps=1"));
      double i10 =
          sweep(spark, root, "i10", List.of("sweep.data.limit=100", "sweep.attack.steps=1"));
      double i100 =
          sweep(spark, root, "i100", List.of("sweep.data.limit=1000", "sweep.attack.steps=1"));
      table.add(
          new String[] {
            "wall, 10 / 100 / 1000 images",
            fmt(i1) + " / " + fmt(i10) + " / " + fmt(i100) + " s",
            "x" + fmt(i10 / i1) + ", x" + fmt(i100 / i1)
          });
      double c100 =
          sweep(
              spark,
              root,
              "c100",
              List.of("sweep.data.limit=20", "sweep.attack.steps=1", "sweep.grid.E=" + values(99)));
      table.add(
          new String[] {
            "wall, 1 / 10 / 100 configs (20 images)",
            fmt(one) + " / " + fmt(tenWall) + " / " + fmt(c100) + " s",
            "x" + fmt(tenWall / one) + ", x" + fmt(c100 / one)
          });
    } finally {
      spark.stop();
    }

    // (d) the standalone cluster (deploy/standalone/cluster.sh): 1 executor against 2, 1 core each;
    // and what this machine allows two single-thread workers without Spark (one process).
    double[] cluster = cluster();
    table.add(row("(d) standalone cluster, 1 executor x 1 core", cluster[0], "steady state"));
    table.add(
        row(
            "(d) standalone cluster, 2 executors x 1 core",
            cluster[1],
            fmt(cluster[1] / cluster[0]) + " = 2 vs 1 executors, target >= 1.8"));
    table.add(
        row(
            "(d0) no Spark: 2 threads x 1 intra-op, a model each",
            workers,
            fmt(workers / raw1) + " = 2 vs 1 worker, (a1): the machine's ceiling"));

    // RSS over 1,000 attack batches of 10 images, 1 step each.
    try (Classifier c =
        Classifier.load(model, Device.cpu(), base.model().normalization(), base.model().input())) {
      Attack pgd = new Pgd("linf", 0.03, 0.003, 1, true, 1, true, false).attack();
      Batch small = shard.slice(0, 10);
      long rss100 = 0;
      for (int i = 1; i <= 1000; i++) {
        pgd.perturb(c, i, small.ids(), small.labels(), small.pixels());
        if (i == 100) {
          rss100 = rssKb();
        }
      }
      long rss1000 = rssKb();
      table.add(
          new String[] {
            "RSS after 100 / 1000 attack batches",
            rss100 / 1024 + " / " + rss1000 / 1024 + " MB",
            fmt(100.0 * (rss1000 - rss100) / rss100) + " % growth, target <= 10 %"
          });
    }

    System.out.println();
    System.out.println(
        "CPU: "
            + Platform.cpu()
            + "; libtorch 2.7.1 (DJL) with "
            + Platform.ISA_CAP_VARIABLE
            + "="
            + Platform.isaCap()
            + "; PyTorch 1.13 reference uncapped unless noted");
    System.out.printf(
        Locale.ROOT, "| %-52s | %-22s | %-40s |%n", "measure", "value", "ratio / note");
    System.out.println("|" + "-".repeat(54) + "|" + "-".repeat(24) + "|" + "-".repeat(42) + "|");
    for (String[] r : table) {
      System.out.printf(Locale.ROOT, "| %-52s | %-22s | %-40s |%n", r[0], r[1], r[2]);
    }
  }

  /** The default model in {@code format}, warmed up on 200 images with each thread count. */
  private static Classifier load(Path model, SweepConfig base, Batch shard, MemoryFormat format) {
    Classifier c =
        Classifier.load(
            model,
            Device.cpu(),
            base.model().normalization(),
            base.model().input(),
            Classifier.Mode.DIFFERENTIABLE,
            format);
    for (int threads : new int[] {1, CORES}) {
      JniUtils.setNumThreads(threads);
      UnitExecutor.run(
          c,
          null,
          0,
          List.of(shard.slice(0, 200)),
          base.attacks().get(0).spec().attack(),
          base.attack().batchSize(),
          false,
          null);
    }
    return c;
  }

  /**
   * Image-steps per second of two threads with one intra-op thread each, each running its own
   * classifier on half the shard: the most that two single-thread workers (executors) can do here.
   */
  private static double twoWorkers(
      Classifier a, Classifier b, SweepConfig base, Batch shard, long seed)
      throws InterruptedException {
    Classifier[] models = {a, b};
    Thread[] threads = new Thread[2];
    RuntimeException[] failed = new RuntimeException[1];
    long t0 = System.nanoTime();
    for (int w = 0; w < 2; w++) {
      Classifier c = models[w];
      Batch half = shard.slice(w * IMAGES / 2, (w + 1) * IMAGES / 2);
      threads[w] =
          new Thread(
              () -> {
                try {
                  JniUtils.setNumThreads(1);
                  UnitExecutor.run(
                      c,
                      null,
                      seed,
                      List.of(half),
                      base.attacks().get(0).spec().attack(),
                      base.attack().batchSize(),
                      false,
                      null);
                } catch (RuntimeException e) {
                  failed[0] = e;
                }
              });
      threads[w].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failed[0] != null) {
      throw failed[0];
    }
    return IMAGES * STEPS / ((System.nanoTime() - t0) / 1e9);
  }

  /** Image-steps per second of one {@code UnitExecutor.run} on the whole shard. */
  private static double raw(Classifier c, SweepConfig base, Batch shard, int threads, long seed) {
    JniUtils.setNumThreads(threads);
    return IMAGES
        * STEPS
        / UnitExecutor.run(
                c,
                null,
                seed,
                List.of(shard),
                base.attacks().get(0).spec().attack(),
                base.attack().batchSize(),
                false,
                null)
            .seconds();
  }

  /**
   * Steady-state image-steps per second on a fresh standalone cluster of two 1-core workers, with
   * {@code spark.cores.max} 1 and then 2 (one app each): after a warm-up sweep that loads the model
   * and decodes the shards on every executor, the throughput of the 2 configs that a 3-config sweep
   * runs beyond a 1-config sweep (1000 images in 4 shards, 10 steps), best of two.
   */
  private static double[] cluster() throws Exception {
    Path state = Files.createTempDirectory("bench-cluster-");
    String jar;
    try (var files = Files.list(Path.of("job/target"))) {
      jar =
          files
              .map(Path::toString)
              .filter(f -> f.endsWith("-app.jar"))
              .findFirst()
              .orElseThrow(
                  () -> new IllegalStateException("no app jar: mvn -B -q -DskipTests package"));
    }
    String opts = System.getenv("SPARK_JAVA_OPTS");
    if (opts == null) {
      throw new IllegalStateException("SPARK_JAVA_OPTS is not set: run deploy/local/bench");
    }
    String master = null;
    Process start =
        new ProcessBuilder("bash", "deploy/standalone/cluster.sh", "start", state.toString())
            .redirectErrorStream(true)
            .start();
    try {
      for (String line :
          new String(start.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("MASTER_URL=")) {
          master = line.substring("MASTER_URL=".length()).trim();
        }
      }
      if (start.waitFor() != 0 || master == null) {
        throw new IllegalStateException("deploy/standalone/cluster.sh start failed; see " + state);
      }
      double[] out = new double[2];
      for (int executors = 1; executors <= 2; executors++) {
        SparkSession spark =
            SparkSession.builder()
                .master(master)
                .appName("bench-" + executors)
                .config("spark.cores.max", String.valueOf(executors))
                .config("spark.executor.cores", "1")
                .config("spark.executor.memory", "1g")
                .config("spark.jars", jar)
                .config("spark.executor.extraJavaOptions", opts)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .getOrCreate();
        try {
          // Executors register asynchronously: wait for all before timing anything.
          long deadline = System.nanoTime() + 60_000_000_000L;
          while (spark.sparkContext().getExecutorMemoryStatus().size() < executors + 1) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException(executors + " executor(s) did not register in 60 s");
            }
            Thread.sleep(200);
          }
          Path root = Files.createTempDirectory(state, "results-");
          String shards = "sweep.data.shards=" + CLUSTER_SHARDS;
          sweep(
              spark,
              root,
              "warm",
              List.of("sweep.data.limit=" + IMAGES, "sweep.attack.steps=1", shards));
          for (int rep = 0; rep < 2; rep++) {
            List<String> one = new ArrayList<>(grid(1));
            one.add(shards);
            List<String> three = new ArrayList<>(grid(3));
            three.add(shards);
            double wall1 = sweep(spark, root, "one-" + rep, one);
            double wall3 = sweep(spark, root, "three-" + rep, three);
            out[executors - 1] =
                Math.max(out[executors - 1], 2.0 * IMAGES * STEPS / (wall3 - wall1));
          }
        } finally {
          spark.stop();
        }
      }
      return out;
    } finally {
      new ProcessBuilder("bash", "deploy/standalone/cluster.sh", "stop", state.toString())
          .redirectErrorStream(true)
          .start()
          .waitFor();
    }
  }

  private static double sweep(SparkSession spark, Path root, String runId, List<String> sets)
      throws Exception {
    List<String> all =
        new ArrayList<>(
            List.of(
                "sweep.name=bench",
                "sweep.data.shards=" + CORES,
                "sweep.grid.E=[]",
                "sweep.grid.S=[]",
                "sweep.grid.R=[]"));
    all.addAll(sets);
    SweepConfig cfg = SweepConfig.load(null, all);
    long t0 = System.nanoTime();
    new SweepRunner(spark, cfg, root.toString(), runId).run();
    return (System.nanoTime() - t0) / 1e9;
  }

  /** baseline + E, S, R values: {@code configs} configs on all images, STEPS steps. */
  private static List<String> grid(int configs) {
    List<String> e = List.of("0.001", "0.01", "0.02");
    List<String> sv = List.of("5", "3");
    List<String> r = List.of("0.001", "0.01");
    int n = configs - 1;
    int ne = Math.min(e.size(), n);
    int ns = Math.min(sv.size(), n - ne);
    int nr = Math.min(r.size(), n - ne - ns);
    return List.of(
        "sweep.attack.alpha=0.003",
        "sweep.attack.steps=" + STEPS,
        "sweep.data.limit=" + IMAGES,
        "sweep.grid.baseline=true",
        "sweep.grid.E=[" + String.join(",", e.subList(0, ne)) + "]",
        "sweep.grid.S=[" + String.join(",", sv.subList(0, ns)) + "]",
        "sweep.grid.R=[" + String.join(",", r.subList(0, nr)) + "]");
  }

  /**
   * PyTorch eager's PGD throughput. Uncapped unless {@code capped}: Debian's PyTorch 1.13 (oneDNN
   * 2.6) is exact on every CPU seen, so the reference runs as its users run it, whatever ISA cap
   * this JVM's libtorch 2.7.1 needs (deploy/engine-env.sh).
   */
  private static double pytorch(Path model, int threads, boolean capped) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                "/usr/bin/python3",
                "job/src/test/python/pgd_reference_bench.py",
                model.toString(),
                "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
                String.valueOf(IMAGES),
                String.valueOf(threads),
                "0.03",
                "0.003",
                String.valueOf(STEPS),
                "100",
                "0.2860",
                "0.3530",
                "1")
            .redirectErrorStream(true);
    if (!capped) {
      pb.environment().remove(Platform.ISA_CAP_VARIABLE);
    }
    Process p = pb.start();
    String last = null;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        last = line;
      }
    }
    if (p.waitFor() != 0 || last == null || !last.startsWith("image_steps_per_sec")) {
      throw new IllegalStateException("PyTorch reference failed: " + last);
    }
    return Double.parseDouble(last.split(" ")[1]);
  }

  private static String values(int n) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 1; i <= n; i++) {
      sb.append(i == 1 ? "" : ", ").append(i * 1e-4);
    }
    return sb.append(']').toString();
  }

  private static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  private static String[] row(String what, double imageStepsPerSec, String ratio) {
    return new String[] {what, fmt(imageStepsPerSec) + " image-steps/s", ratio};
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
  }
}

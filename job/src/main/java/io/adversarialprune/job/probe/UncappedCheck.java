package io.adversarialprune.job.probe;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.job.config.ModelConfig;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.data.DatasetReader;
import io.adversarialprune.job.executor.ClasspathFiles;
import io.adversarialprune.job.executor.ShardCache;
import io.adversarialprune.udfs.check.EngineCheck;
import io.adversarialprune.udfs.check.Platform;
import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.ImagePreprocessor;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;

/**
 * The child process of {@link EngineProbe}: loads the sweep's model on the CPU as an executor does
 * and runs the engine check on the dataset's first batch (lowest ids) at each thread count a run
 * may use (1, as in local mode's one-core task slots, and every core). Prints one line per check,
 * {@code PASS ...} or {@code FAIL ...}, and exits 0 when all passed, {@link
 * EngineProbe#CHECK_FAILED} when one failed. Run with the oneDNN variable set as the parent wants
 * it (the parent sets {@code ALL}).
 *
 * <p>Arguments: the sweep's {@code --config FILE} and {@code --set KEY=VALUE} options; any other
 * argument is ignored.
 */
public final class UncappedCheck {
  static final String PASS = "PASS ";
  static final String FAIL = "FAIL ";

  private UncappedCheck() {}

  public static void main(String[] args) throws IOException {
    File config = null;
    List<String> overrides = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--config") && i + 1 < args.length) {
        config = new File(args[++i]);
      } else if (a.startsWith("--config=")) {
        config = new File(a.substring("--config=".length()));
      } else if (a.equals("--set") && i + 1 < args.length) {
        overrides.add(args[++i]);
      } else if (a.startsWith("--set=")) {
        overrides.add(a.substring("--set=".length()));
      }
    }
    SweepConfig cfg = SweepConfig.load(config, overrides);
    System.exit(run(cfg) ? 0 : EngineProbe.CHECK_FAILED);
  }

  /** The thread counts a run on this host may give a task slot: 1 and every core. */
  static TreeSet<Integer> threadCounts(SweepConfig cfg) {
    TreeSet<Integer> t = new TreeSet<>();
    int configured = cfg.engine().intraOpThreads();
    if (configured > 0) {
      t.add(configured);
    } else {
      t.add(1);
      t.add(Runtime.getRuntime().availableProcessors());
    }
    return t;
  }

  private static boolean run(SweepConfig cfg) throws IOException {
    ModelConfig m = cfg.model();
    ClasspathFiles files = new ClasspathFiles();
    Batch batch = firstBatch(cfg, files);
    Engine.getEngine("PyTorch");
    boolean all = true;
    try (Classifier model =
        Classifier.load(
            Path.of(files.localPath(m.path(), "sweep.model.path")),
            Device.cpu(),
            m.normalization(),
            m.input(),
            Classifier.Mode.DIFFERENTIABLE,
            cfg.engine().memoryFormat())) {
      for (int threads : threadCounts(cfg)) {
        JniUtils.setNumThreads(threads);
        EngineCheck.Report r =
            new EngineCheck(cfg.check().settings()).run(model, 0L, batch.labels(), batch.pixels());
        String where =
            Platform.ISA_CAP_VARIABLE
                + "="
                + Platform.isaCap()
                + ", "
                + threads
                + " thread(s), batch "
                + batch.size()
                + ": ";
        System.out.println(
            r.passed()
                ? PASS + where + r.figures()
                : FAIL + where + r.problem() + " [" + r.figures() + "]");
        all &= r.passed();
      }
    }
    return all;
  }

  /** The dataset's lowest ids, as many as the attack's batch size (and the data limit) allow. */
  private static Batch firstBatch(SweepConfig cfg, ClasspathFiles files) throws IOException {
    String data = files.localPath(cfg.data().path(), "sweep.data.path");
    long limit = cfg.data().limit() > 0 ? cfg.data().limit() : Long.MAX_VALUE;
    int size = (int) Math.min(cfg.attack().batchSize(), limit);
    // Fast path: ids that start at 0, as `ingest` numbers them; else the lowest ids there are.
    long from = 0;
    long to = size;
    if (DatasetReader.read(data, from, to, new Configuration()).size() < size) {
      List<DatasetReader.Record> all =
          DatasetReader.read(data, Long.MIN_VALUE, Long.MAX_VALUE, new Configuration());
      long[] ids = all.stream().mapToLong(DatasetReader.Record::id).sorted().toArray();
      if (ids.length == 0) {
        throw new IllegalArgumentException("sweep.data.path " + data + " holds no images");
      }
      from = ids[0];
      to = ids[Math.min(size, ids.length) - 1] + 1;
    }
    ModelConfig m = cfg.model();
    return new ShardCache()
        .get(
            new ShardCache.Key(
                data,
                from,
                to,
                new ImagePreprocessor(m.input().channels(), m.resize(), m.crop()),
                m.input()),
            Long.MAX_VALUE);
  }
}

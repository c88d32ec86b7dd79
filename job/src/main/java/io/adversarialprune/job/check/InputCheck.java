package io.adversarialprune.job.check;

import ai.djl.Device;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.config.ModelConfig;
import io.adversarialprune.job.config.NamedAttack;
import io.adversarialprune.job.config.PruneOptions;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.config.TransferTarget;
import io.adversarialprune.job.executor.ExecutorCache;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.Tables;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.ImagePreprocessor;
import io.adversarialprune.udfs.model.Probes;
import io.adversarialprune.udfs.prune.ActivationClamp;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Everything a sweep checks before it writes anything: the dataset (rows, ids, labels, the first
 * image), the model and transfer targets (they load, and agree on the classes), labels within the
 * model's classes, and that a resumed run id has the config it started with. With a feature-map
 * clamp in the grid (kind A), also the model's probe methods, {@code sweep.prune.clamp-layers}
 * against its probes and the calibration images, all three reported together.
 */
public final class InputCheck {
  private InputCheck() {}

  /**
   * What the checks found.
   *
   * @param shards shard boundaries: shard h covers ids {@code [shards[h], shards[h+1])}
   * @param calibration the feature-map clamp's calibration ids {@code [from, to)}, or null when no
   *     config of the grid clamps
   */
  public record Inputs(long[] shards, long[] calibration) {}

  /**
   * Checks the inputs and returns the shard boundaries of the data.
   *
   * @throws UserInputException naming the key, file or column at fault
   */
  public static Inputs inputs(SparkSession spark, SweepConfig config, Configuration hadoop)
      throws IOException {
    ModelConfig m = config.model();
    boolean clamps = config.grid().stream().anyMatch(g -> g.clamp() != null);
    // The model loads (in a fresh JVM that is libtorch's first load too, about a second) while
    // Spark checks the dataset; the dataset's problems are still the ones reported first. A thread
    // of its own, not a pool's: it inherits this thread's context class loader, which finds the
    // engine under spark-submit.
    FutureTask<SourceModel> source = new FutureTask<>(() -> sourceModel(config, clamps));
    Thread loader = new Thread(source, "input-check-model");
    loader.setDaemon(true);
    loader.start();
    DatasetCheck dataset;
    long[] bounds;
    ImagePreprocessor preprocessor;
    DatasetCheck.Labels labels;
    List<String> clampProblems = new ArrayList<>();
    long[] calibration = null;
    try {
      dataset = new DatasetCheck(spark, config.data(), hadoop);
      bounds = dataset.shardBounds();
      preprocessor = new ImagePreprocessor(m.input().channels(), m.resize(), m.crop());
      labels = dataset.checkRows(bounds, preprocessor, m.input());
      if (clamps) {
        try {
          calibration =
              dataset.calibrationBounds(
                  config.prune().calibrationImages(), "sweep.prune.calibration-images");
          dataset.checkRows(calibration, preprocessor, m.input());
        } catch (UserInputException e) {
          clampProblems.add(e.getMessage());
        }
      }
    } catch (RuntimeException e) {
      awaitQuietly(source);
      throw e;
    }
    SourceModel model = await(source);
    int classes = model.classes();
    clampProblems.addAll(model.clampProblems());
    if (!clampProblems.isEmpty()) {
      throw new UserInputException(
          clampProblems.size() == 1
              ? clampProblems.get(0)
              : "the feature-map clamp (sweep.grid A) cannot run ("
                  + clampProblems.size()
                  + " problems):\n  "
                  + String.join("\n  ", clampProblems));
    }
    for (TransferTarget t : config.transfer()) {
      Path file = Path.of(ExecutorCache.get().localPath(t.path(), "sweep.transfer." + t.name()));
      try (Classifier c =
          Classifier.loadForInference(file, Device.cpu(), m.normalization(), m.input())) {
        if (c.classes() != classes) {
          throw new UserInputException(
              "sweep.transfer "
                  + t.name()
                  + ": model "
                  + t.path()
                  + " has "
                  + c.classes()
                  + " classes, the source model "
                  + classes);
        }
      } catch (UserInputException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new UserInputException(
            "sweep.transfer " + t.name() + ": " + named(e.getMessage(), file, t.path()), e);
      }
    }
    for (NamedAttack a : config.attacks()) {
      String problem = a.spec().modelProblem(classes);
      if (problem != null) {
        throw new UserInputException(
            "sweep.attacks: attack '"
                + a.name()
                + "': "
                + problem
                + " (sweep.model.path "
                + m.path()
                + ")");
      }
    }
    labels.checkWithin(classes);
    dataset.checkFirstImageDecodes(bounds, preprocessor, m.input());
    return new Inputs(bounds, calibration);
  }

  /** What the source model's checks found: its classes, and its problems with the clamp. */
  private record SourceModel(int classes, List<String> clampProblems) {}

  /**
   * Loads the source model: it must load, and with anatomy on or a clamp in the grid it must have
   * the probe methods (and the clamp's layers).
   */
  private static SourceModel sourceModel(SweepConfig config, boolean clamps) {
    ModelConfig m = config.model();
    Path modelFile = Path.of(ExecutorCache.get().localPath(m.path(), "sweep.model.path"));
    try (Classifier c = Classifier.load(modelFile, Device.cpu(), m.normalization(), m.input())) {
      List<String> clampProblems = clamps ? clampModelProblems(c, config) : List.of();
      List<String> missing = config.anatomy() ? Probes.missingMethods(c) : List.of();
      if (!missing.isEmpty()) {
        throw new UserInputException(
            "sweep.anatomy is on, but the model of sweep.model.path ("
                + m.path()
                + ") has no method "
                + String.join(", ", missing)
                + ": export it with probes by "
                + Probes.EXPORT_TOOL);
      }
      String filterProblem = pruneFilterProblem(c.parameters().keySet(), config);
      if (filterProblem != null) {
        throw new UserInputException(filterProblem);
      }
      return new SourceModel(c.classes(), clampProblems);
    } catch (UserInputException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new UserInputException(
          "sweep.model.path: " + named(e.getMessage(), modelFile, m.path()), e);
    }
  }

  private static SourceModel await(FutureTask<SourceModel> task) {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the model was being checked", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Waits for the model's check after an earlier problem, which is the one reported. */
  private static void awaitQuietly(FutureTask<SourceModel> task) {
    try {
      task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // the dataset's problem is reported; the model's would be found on the next run
    }
  }

  /**
   * A problem when {@code sweep.prune.include} and {@code .exclude} together select none of the
   * model's parameters while the grid prunes weights: every config would then be the baseline under
   * another name. Null when they select some, or the grid prunes no weight.
   */
  static String pruneFilterProblem(java.util.Collection<String> parameters, SweepConfig config) {
    PruneOptions p = config.prune();
    if (p.include() == null && p.exclude() == null) {
      return null;
    }
    io.adversarialprune.udfs.prune.PruneSpec pruning =
        config.grid().stream()
            .map(g -> g.prune())
            .filter(spec -> !spec.steps().isEmpty())
            .findFirst()
            .orElse(null);
    if (pruning == null || parameters.stream().anyMatch(pruning::selects)) {
      return null;
    }
    return "sweep.prune.include"
        + (p.include() == null ? "" : " ('" + p.include() + "')")
        + " and sweep.prune.exclude"
        + (p.exclude() == null ? "" : " ('" + p.exclude() + "')")
        + " select none of the "
        + parameters.size()
        + " parameters of the model of sweep.model.path ("
        + config.model().path()
        + "), e.g. "
        + parameters.stream().sorted().limit(3).toList()
        + ": every config would prune nothing";
  }

  /** The model's problems with the grid's feature-map clamp: its probe methods and layers. */
  private static List<String> clampModelProblems(Classifier c, SweepConfig config) {
    List<String> missing = Probes.missingMethods(c);
    if (!missing.isEmpty()) {
      return List.of(
          "sweep.grid clamps feature maps (A), but sweep.model.path "
              + config.model().path()
              + " has no method "
              + String.join(", ", missing)
              + "; export the model with probes by "
              + Probes.EXPORT_TOOL);
    }
    return ActivationClamp.problems(
        Probes.of(c).names(), config.prune().clampLayers(), "sweep.prune.clamp-layers");
  }

  /**
   * An engine's message about a model for the user: the local copy of a {@code classpath:} location
   * named as the user wrote it (the copy's temp path means nothing to them), and a TorchScript
   * traceback (dozens of lines) cut to its first line and its last, which says what failed.
   */
  static String named(String message, Path local, String location) {
    if (message == null) {
      return null;
    }
    List<String> lines = message.replace(local.toString(), location).strip().lines().toList();
    return lines.size() <= 2
        ? String.join("\n  ", lines)
        : lines.get(0) + " ...\n  " + lines.get(lines.size() - 1).strip();
  }

  /** A run id may be resumed only with the config it started with. */
  public static void runIdentity(ResultsCatalog catalog, SweepConfig config, String runId) {
    List<Row> prior = catalog.readRun(Tables.RUNS.name(), config.name(), runId);
    if (prior.isEmpty()) {
      return; // no run of that id yet
    }
    String hash = prior.get(0).getAs("config_hash");
    if (!hash.equals(config.hash())) {
      throw new UserInputException(
          "run id "
              + runId
              + " of sweep "
              + config.name()
              + " was started with a different config"
              + " (hash "
              + hash.substring(0, 12)
              + ", now "
              + config.hash().substring(0, 12)
              + "; the hash covers the whole resolved config,"
              + " defaults included, so a newer version of the job changes it too); use a new"
              + " --run-id");
    }
  }
}

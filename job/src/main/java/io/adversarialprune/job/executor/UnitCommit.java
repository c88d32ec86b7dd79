package io.adversarialprune.job.executor;

import io.adversarialprune.job.data.PosixLocalFileSystem;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.job.results.AdversarialImages;
import io.adversarialprune.job.results.EngineCheckRecord;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.RunLease;
import io.adversarialprune.job.results.SampleFile;
import io.adversarialprune.job.results.UnitInfo;
import io.adversarialprune.udfs.exec.UnitResult;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;

/**
 * The commit of a unit's results: its samples file (with its {@link UnitInfo} in the footer) and,
 * when later units judge them, its adversarial images, written to a staging directory of this
 * attempt and renamed into the unit's directory in one step. A unit whose directory exists is
 * committed, by an earlier run with the same run id or another attempt of this task, and is never
 * written again: retries and reruns do not duplicate rows.
 *
 * <p>One per task; not thread-safe. The driver reads the engine checks committed with the units
 * ({@link #committedChecks}).
 */
public final class UnitCommit {
  private final ResultsLayout layout;
  private final String sweep;
  private final String runId;
  private final String appId;
  private final String leaseToken;
  private final int pixelsPerImage;
  private final Configuration conf;

  /** The Hadoop configuration the unit's files are written with. */
  Configuration conf() {
    return conf;
  }

  UnitCommit(
      ResultsLayout layout,
      String sweep,
      String runId,
      String appId,
      String leaseToken,
      int pixelsPerImage) {
    this.layout = layout;
    this.sweep = sweep;
    this.runId = runId;
    this.appId = appId;
    this.leaseToken = leaseToken;
    this.pixelsPerImage = pixelsPerImage;
    // Local results without a chmod process per file (docs/BENCHMARKS.md).
    this.conf = PosixLocalFileSystem.configuration();
  }

  /**
   * The engine checks a unit's slot ran before it attacked, in the unit's directory (Java
   * serialization, as they travel to the driver; read by the same job's driver only, and removed
   * with the units once the run succeeds). A name Spark's readers skip.
   */
  static final String CHECKS_FILE = "_engine-checks.ser";

  /** The engine checks committed with the units under {@code dir}, in no particular order. */
  @SuppressWarnings("unchecked")
  public static List<EngineCheckRecord> committedChecks(FileSystem fs, Path dir)
      throws IOException {
    List<EngineCheckRecord> out = new ArrayList<>();
    if (!fs.exists(dir)) {
      return out;
    }
    List<Path> dirs = new ArrayList<>(List.of(dir));
    while (!dirs.isEmpty()) {
      for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(dirs.remove(dirs.size() - 1))) {
        if (f.isDirectory()) {
          dirs.add(f.getPath());
        } else if (f.getPath().getName().equals(CHECKS_FILE)) {
          try (ObjectInputStream in = new ObjectInputStream(fs.open(f.getPath()))) {
            out.addAll((List<EngineCheckRecord>) in.readObject());
          } catch (ClassNotFoundException e) {
            throw new IOException(f.getPath() + " holds no engine checks of this job", e);
          }
        }
      }
    }
    return out;
  }

  /** Whether {@code unit} is committed already. */
  boolean committed(Unit unit) throws IOException {
    Path dir = layout.unit(sweep, runId, unit);
    return dir.getFileSystem(conf).exists(dir);
  }

  /**
   * Writes {@code unit}'s results to staging and renames them into place.
   *
   * @param baselineAdvPred this unit's predictions on the baseline's adversarial images, or null
   * @param checks the engine checks its slot ran before it attacked: committed with the unit, so a
   *     run killed before its driver recorded them finds them on resume ({@link #CHECKS_FILE})
   * @return false if another attempt committed the unit first (its result then stands)
   */
  boolean commit(
      Unit unit,
      UnitResult result,
      int[] baselineAdvPred,
      UnitInfo info,
      List<EngineCheckRecord> checks)
      throws IOException {
    TaskContext task = TaskContext.get();
    // Unique across drivers too: task attempt ids restart at 0 in every application.
    String attempt = appId + "-" + (task == null ? System.nanoTime() : task.taskAttemptId());
    Path staging = layout.unitAttempt(sweep, runId, unit, attempt);
    SampleFile.write(
        new Path(staging, ResultsLayout.SAMPLE_FILE),
        sweep,
        runId,
        unit,
        result.samples(),
        baselineAdvPred,
        info,
        conf);
    if (!checks.isEmpty()) {
      Path file = new Path(staging, CHECKS_FILE);
      try (ObjectOutputStream out =
          new ObjectOutputStream(file.getFileSystem(conf).create(file, true))) {
        out.writeObject(new ArrayList<>(checks));
      }
    }
    if (unit.keepAdversarial()) {
      long[] ids = result.samples().stream().mapToLong(s -> s.id()).toArray();
      new AdversarialImages(ids, result.adversarial(), pixelsPerImage)
          .write(new Path(staging, AdversarialImages.FILE), conf);
    }
    Path finalDir = layout.unit(sweep, runId, unit);
    FileSystem fs = finalDir.getFileSystem(conf);
    // Fenced: a driver frozen past its lease's expiry, whose run another driver took over, must
    // not add units to the run that driver now writes.
    if (leaseToken != null && !RunLease.names(fs, layout.lease(sweep, runId), leaseToken)) {
      fs.delete(staging, true);
      throw new IllegalStateException(
          "run "
              + runId
              + " of sweep "
              + sweep
              + " lost its lease "
              + layout.lease(sweep, runId)
              + " to another driver: unit "
              + unit
              + " not committed");
    }
    return commitDir(fs, staging, finalDir);
  }

  /**
   * Renames {@code staging} to {@code finalDir}; false (and {@code staging} gone) if another
   * attempt committed first, whose result then stands. Renaming onto a directory that exists does
   * not fail on HDFS or on Hadoop's local file system: it moves (or copies) the source inside it.
   * So an attempt that loses the race between the existence check and the rename looks for itself
   * inside the winner's directory and takes itself back out.
   */
  static boolean commitDir(FileSystem fs, Path staging, Path finalDir) throws IOException {
    fs.mkdirs(finalDir.getParent());
    if (fs.exists(finalDir)) {
      fs.delete(staging, true);
      return false;
    }
    return renameUnlessTaken(fs, staging, finalDir);
  }

  /** The rename of {@link #commitDir} after its existence check, for a winner that came between. */
  static boolean renameUnlessTaken(FileSystem fs, Path staging, Path finalDir) throws IOException {
    boolean renamed = fs.rename(staging, finalDir);
    Path nested = new Path(finalDir, staging.getName());
    if (!renamed || fs.exists(nested)) {
      fs.delete(nested, true);
      fs.delete(staging, true);
      return false;
    }
    return true;
  }
}

package io.adversarialprune.job.sweep;

import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.SampleFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs each finished config (done/total and an ETA) by watching committed unit directories. The ETA
 * weighs the units left by their expected cost ({@link RemainingWork}), learned from the attack
 * time in the footers of the units this run committed.
 */
final class Progress extends Thread implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

  private final ResultsLayout layout;
  private final String sweep;
  private final String runId;
  private final Configuration hadoop;
  private final Map<String, List<Unit>> byConfig = new LinkedHashMap<>();
  private final Set<String> reported = new LinkedHashSet<>();
  private final Set<Unit> toRun;
  private final Set<Unit> committed = new HashSet<>();
  private final RemainingWork work = new RemainingWork();
  private final int units;
  private final long start = System.nanoTime();
  private volatile boolean stop;

  Progress(
      ResultsLayout layout,
      String sweep,
      String runId,
      Configuration hadoop,
      List<Unit> all,
      List<Unit> toRun) {
    super("sweep-progress");
    setDaemon(true);
    this.layout = layout;
    this.sweep = sweep;
    this.runId = runId;
    this.hadoop = hadoop;
    this.toRun = new HashSet<>(toRun);
    this.units = all.size();
    for (Unit u : all) {
      byConfig.computeIfAbsent(u.configId(), k -> new ArrayList<>()).add(u);
    }
  }

  @Override
  public void run() {
    try {
      while (!stop) {
        poll();
        Thread.sleep(2000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.warn("progress polling stopped: {}", e.toString());
    }
  }

  private void poll() throws IOException {
    FileSystem fs = layout.units(sweep, runId).getFileSystem(hadoop);
    Map<String, Boolean> finished = new LinkedHashMap<>();
    List<Unit> left = new ArrayList<>();
    for (Map.Entry<String, List<Unit>> e : byConfig.entrySet()) {
      int done = 0;
      for (Unit u : e.getValue()) {
        if (committed.contains(u) || fs.exists(layout.unit(sweep, runId, u))) {
          done++;
          if (committed.add(u) && toRun.contains(u)) {
            learn(u);
          }
        } else {
          left.add(u);
        }
      }
      finished.put(e.getKey(), done == e.getValue().size());
    }
    for (Map.Entry<String, Boolean> e : finished.entrySet()) {
      if (e.getValue() && reported.add(e.getKey())) {
        LOG.info(
            "config {} done ({}/{} configs){}",
            e.getKey(),
            reported.size(),
            byConfig.size(),
            eta(left));
      }
    }
  }

  /** A unit this run committed: its attack time, from its file's footer, for the ETA. */
  private void learn(Unit u) {
    Path file = new Path(layout.unit(sweep, runId, u), ResultsLayout.SAMPLE_FILE);
    try {
      work.finished(u, SampleFile.readInfo(file, hadoop).seconds());
    } catch (IOException e) {
      // the ETA goes on without this unit's time; the run reads every footer again at the end
      LOG.debug("progress: no attack time from {}: {}", file, e.toString());
    }
  }

  /** Remaining time: the elapsed time scaled by the work left over the work done. */
  private String eta(List<Unit> left) {
    if (left.isEmpty()) {
      return ", all units committed";
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    OptionalDouble seconds = work.secondsLeft(left, elapsed);
    return seconds.isEmpty()
        ? ""
        : String.format(
            Locale.ROOT,
            ", %d/%d units, ETA %.0fs",
            units - left.size(),
            units,
            seconds.getAsDouble());
  }

  @Override
  public void close() {
    stop = true;
    interrupt();
    try {
      join(5000);
      poll(); // report the configs that finished since the last poll
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.warn("progress polling failed: {}", e.toString());
    }
  }
}

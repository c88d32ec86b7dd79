package io.adversarialprune.job.sweep;

import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.job.results.ResultsLayout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs each finished config (done/total and an ETA) by watching committed unit directories. */
final class Progress extends Thread implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

  private final ResultsLayout layout;
  private final String sweep;
  private final String runId;
  private final Configuration hadoop;
  private final Map<String, List<Unit>> byConfig = new LinkedHashMap<>();
  private final Set<String> reported = new LinkedHashSet<>();
  private final int alreadyDone;
  private final int units;
  private final long start = System.nanoTime();
  private volatile boolean stop;

  Progress(
      ResultsLayout layout,
      String sweep,
      String runId,
      Configuration hadoop,
      List<Unit> all,
      int toRun) {
    super("sweep-progress");
    setDaemon(true);
    this.layout = layout;
    this.sweep = sweep;
    this.runId = runId;
    this.hadoop = hadoop;
    this.alreadyDone = all.size() - toRun;
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
    int committed = 0;
    for (Map.Entry<String, List<Unit>> e : byConfig.entrySet()) {
      int done = 0;
      for (Unit u : e.getValue()) {
        if (fs.exists(layout.unit(sweep, runId, u))) {
          done++;
        }
      }
      committed += done;
      finished.put(e.getKey(), done == e.getValue().size());
    }
    for (Map.Entry<String, Boolean> e : finished.entrySet()) {
      if (e.getValue() && reported.add(e.getKey())) {
        LOG.info(
            "config {} done ({}/{} configs){}",
            e.getKey(),
            reported.size(),
            byConfig.size(),
            eta(committed));
      }
    }
  }

  /** Remaining time at the pace of the units this run has committed so far. */
  private String eta(int committed) {
    int ranNow = committed - alreadyDone;
    int remaining = units - committed;
    if (ranNow <= 0 || remaining <= 0) {
      return remaining <= 0 ? ", all units committed" : "";
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    return String.format(
        Locale.ROOT, ", %d/%d units, ETA %.0fs", committed, units, elapsed / ranNow * remaining);
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

package io.adversarialprune.udfs.exec;

import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.Probes;
import io.adversarialprune.udfs.prune.PruneReport;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.WeightPruner;
import java.util.HashSet;
import java.util.Set;

/**
 * One pooled model and what belongs to it alone: its classifier, the {@link WeightPruner} that
 * holds a copy of its original weights (made on the first prune, kept for the slot's life), which
 * prune its weights carry now, and which engine checks it has passed.
 *
 * <p>Lifecycle: made and owned by a {@link ModelPool}; lent by {@link ModelPool#borrow} for one
 * task at a time. A slot goes back to the pool only with its original weights (the lease restores
 * them); a slot whose weights may still be pruned is closed instead, and with it go its pruner and
 * its checks: nothing about a classifier outlives it.
 *
 * <p>Thread-safety: not thread-safe; used by one borrowing thread at a time.
 */
public final class ModelSlot implements AutoCloseable {
  private final Classifier classifier;
  private final Set<String> passedChecks = new HashSet<>();
  private WeightPruner pruner;
  private Probes probes;
  private PruneSpec prunedSpec;
  private long prunedSeed;
  private PruneReport report;

  ModelSlot(Classifier classifier) {
    this.classifier = classifier;
  }

  /** The slot's classifier, with whatever prune {@link #prune} last applied. */
  public Classifier classifier() {
    return classifier;
  }

  /**
   * The classifier's probes ({@link Probes#of}), read on first use.
   *
   * @throws IllegalStateException when its model file was not exported with probes
   */
  public Probes probes() {
    if (probes == null) {
      probes = Probes.of(classifier);
    }
    return probes;
  }

  /**
   * Prunes the weights by {@code spec} for {@code seed}, from the originals; a no-op returning the
   * same report when they already carry exactly that prune.
   */
  public PruneReport prune(PruneSpec spec, long seed) {
    if (report != null && spec.equals(prunedSpec) && seed == prunedSeed) {
      return report;
    }
    if (pruner == null) {
      pruner = new WeightPruner(classifier.parameters());
    }
    // Until apply returns, the weights are in an unknown state: pruned.
    prunedSpec = spec;
    prunedSeed = seed;
    report = null;
    report = pruner.apply(spec, seed);
    return report;
  }

  /** Whether the weights may differ from the originals. */
  public boolean pruned() {
    return prunedSpec != null;
  }

  /** Writes the original weights back (a no-op when they are). */
  public void restore() {
    if (pruned()) {
      pruner.restore();
      prunedSpec = null;
      report = null;
    }
  }

  /**
   * Whether the engine check named {@code check} (e.g. run and batch size) has passed, or been
   * waived, on this slot.
   */
  public boolean checked(String check) {
    return passedChecks.contains(check);
  }

  /** Records that the engine check named {@code check} was run on this slot. */
  public void markChecked(String check) {
    passedChecks.add(check);
  }

  /** Frees the pruner's copy of the weights and the classifier. */
  @Override
  public void close() {
    try {
      if (pruner != null) {
        pruner.close();
      }
    } finally {
      classifier.close();
    }
  }
}

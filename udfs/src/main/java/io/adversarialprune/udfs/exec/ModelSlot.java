package io.adversarialprune.udfs.exec;

import io.adversarialprune.udfs.model.ClampGradient;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.Probes;
import io.adversarialprune.udfs.prune.ActivationClamp;
import io.adversarialprune.udfs.prune.PruneReport;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.WeightPruner;
import java.util.HashSet;
import java.util.Set;

/**
 * One pooled model and what belongs to it alone: its classifier, the {@link WeightPruner} that
 * holds a copy of its original weights (made on the first prune, kept for the slot's life), which
 * prune its weights (and its feature-map clamp, {@link ActivationClamp}) carry now, and which
 * engine checks it has passed.
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
  private ActivationClamp.Calibration prunedCalibration;
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
   * same report when they already carry exactly that prune. For a spec without a feature-map clamp.
   */
  public PruneReport prune(PruneSpec spec, long seed) {
    return prune(spec, seed, null);
  }

  /**
   * Prunes the weights by {@code spec} for {@code seed}, from the originals, and then, when the
   * spec has a feature-map clamp ({@code A}), calibrates it on {@code calibration} on the pruned
   * model and clamps the classifier with it ({@link ClampGradient#EXACT}; see {@link
   * #clampGradient}); without A the classifier is left unclamped. A no-op returning the same report
   * when the slot already carries exactly that prune (an equal calibration: the same pixel array,
   * layers and batch size).
   *
   * @param calibration the clamp's calibration images and layers; needed when the spec has A,
   *     ignored otherwise
   * @throws IllegalArgumentException when the spec has A and {@code calibration} is null
   * @throws IllegalStateException when the spec has A and the model file has no probes
   */
  public PruneReport prune(PruneSpec spec, long seed, ActivationClamp.Calibration calibration) {
    Double multiple = spec.clampMultiple();
    if (multiple == null) {
      calibration = null;
    } else if (calibration == null) {
      throw new IllegalArgumentException(
          "prune " + spec.label() + " clamps feature maps and needs calibration images");
    }
    if (report != null
        && spec.equals(prunedSpec)
        && seed == prunedSeed
        && java.util.Objects.equals(calibration, prunedCalibration)) {
      return report;
    }
    if (pruner == null) {
      pruner = new WeightPruner(classifier.parameters());
    }
    // Until the clamp is set, the model is in an unknown state: pruned.
    prunedSpec = spec;
    prunedSeed = seed;
    prunedCalibration = calibration;
    report = null;
    classifier.unclamp();
    PruneReport weights = pruner.apply(spec, seed);
    if (multiple == null) {
      report = weights;
      return report;
    }
    if (probes == null) {
      probes = Probes.of(classifier);
    }
    ActivationClamp.Result clamp = ActivationClamp.calibrate(probes, calibration, multiple);
    probes.clamp(clamp.bounds(), ClampGradient.EXACT);
    report = weights.withClamps(clamp.layers());
    return report;
  }

  /**
   * The gradient that attacks get through the feature-map clamp in force (the forward values do not
   * depend on it); a no-op when the slot's model is not clamped.
   */
  public void clampGradient(ClampGradient gradient) {
    classifier.clampGradient(gradient);
  }

  /** Whether the weights may differ from the originals. */
  public boolean pruned() {
    return prunedSpec != null;
  }

  /** Writes the original weights back and removes any clamp (a no-op when they are original). */
  public void restore() {
    if (pruned()) {
      classifier.unclamp();
      pruner.restore();
      prunedSpec = null;
      prunedCalibration = null;
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

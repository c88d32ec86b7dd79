package io.adversarialprune.udfs.exec;

import io.adversarialprune.udfs.model.ClampBounds;
import io.adversarialprune.udfs.model.ClampGradient;
import io.adversarialprune.udfs.model.ClampedClassifier;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.Network;
import io.adversarialprune.udfs.model.Probes;
import io.adversarialprune.udfs.prune.ActivationClamp;
import io.adversarialprune.udfs.prune.ClampSpec;
import io.adversarialprune.udfs.prune.PruneReport;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.WeightPruner;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One pooled model and what belongs to it alone: its classifier, the {@link WeightPruner} that
 * holds a copy of its original weights (made on the first prune, kept for the slot's life), which
 * prune its weights carry now and, when its config also clamps feature maps ({@link ClampSpec}),
 * the {@link ClampedClassifier} around the classifier that its units attack ({@link #network}), and
 * which engine checks it has passed.
 *
 * <p>Lifecycle: made and owned by a {@link ModelPool}; lent by {@link ModelPool#borrow} for one
 * task at a time. A slot goes back to the pool only with its original weights and no clamp (the
 * lease restores them); a slot whose weights may still be pruned is closed instead, and with it go
 * its pruner, its clamped classifiers and its checks: nothing about a classifier outlives it.
 *
 * <p>Thread-safety: not thread-safe; used by one borrowing thread at a time.
 */
public final class ModelSlot implements AutoCloseable {
  private final Classifier classifier;
  private final Set<String> passedChecks = new HashSet<>();
  private final Map<ClampGradient, ClampedClassifier> clamped = new EnumMap<>(ClampGradient.class);
  private WeightPruner pruner;
  private Probes probes;
  private PruneSpec prunedSpec;
  private ClampSpec prunedClamp;
  private long prunedSeed;
  private ActivationClamp.Calibration prunedCalibration;
  private ClampBounds clampBounds;
  private PruneReport report;

  ModelSlot(Classifier classifier) {
    this.classifier = classifier;
  }

  /**
   * The slot's classifier, with whatever weights {@link #prune} last left it, and never clamped:
   * the network units attack is {@link #network}.
   */
  public Classifier classifier() {
    return classifier;
  }

  /**
   * The network the units of the current prune attack: the classifier, or, when the prune clamps
   * feature maps, the {@link ClampedClassifier} around it with the attack's {@code gradient}
   * through the clamps (made on first use, owned by the slot until the next prune). {@code
   * gradient} does not matter without a clamp.
   */
  public Network network(ClampGradient gradient) {
    if (clampBounds == null) {
      return classifier;
    }
    ClampedClassifier c = clamped.get(gradient);
    if (c == null) {
      c = ClampedClassifier.of(plainProbes(), clampBounds, gradient);
      clamped.put(gradient, c);
    }
    return c;
  }

  /** The bounds of the current prune's feature-map clamp, or null when it has none. */
  public ClampBounds clampBounds() {
    return clampBounds;
  }

  /**
   * The probes of {@link #network}: the classifier's ({@link Probes#of}, read on first use), or,
   * under a feature-map clamp, the clamped network's ({@link ClampedClassifier#probes()}).
   *
   * @throws IllegalStateException when its model file was not exported with probes
   */
  public Probes probes() {
    if (clampBounds != null) {
      // The clamped pass's activations do not depend on the gradient.
      return clamped.get(ClampGradient.EXACT).probes();
    }
    return plainProbes();
  }

  private Probes plainProbes() {
    if (probes == null) {
      probes = Probes.of(classifier);
    }
    return probes;
  }

  /**
   * Prunes the weights by {@code spec} for {@code seed}, from the originals; a no-op returning the
   * same report when they already carry exactly that prune. Without a feature-map clamp.
   */
  public PruneReport prune(PruneSpec spec, long seed) {
    return prune(spec, null, seed, null);
  }

  /**
   * Prunes the weights by {@code spec} for {@code seed}, from the originals, and then, when there
   * is a feature-map {@code clamp}, calibrates it on {@code calibration} on the pruned model:
   * {@link #network} is then the clamped classifier with those bounds; without a clamp it is the
   * classifier. A no-op returning the same report when the slot already carries exactly that prune
   * and clamp (an equal calibration: the same pixel array, layers and batch size).
   *
   * @param clamp the feature-map clamp, or null for none
   * @param calibration the clamp's calibration images and layers; needed with a clamp, ignored
   *     otherwise
   * @throws IllegalArgumentException when there is a clamp and {@code calibration} is null
   * @throws IllegalStateException when there is a clamp and the model file has no probes
   */
  public PruneReport prune(
      PruneSpec spec, ClampSpec clamp, long seed, ActivationClamp.Calibration calibration) {
    if (clamp == null) {
      calibration = null;
    } else if (calibration == null) {
      throw new IllegalArgumentException(
          "prune "
              + ClampSpec.label(spec, clamp)
              + " clamps feature maps and needs calibration images");
    }
    if (report != null
        && spec.equals(prunedSpec)
        && java.util.Objects.equals(clamp, prunedClamp)
        && seed == prunedSeed
        && java.util.Objects.equals(calibration, prunedCalibration)) {
      return report;
    }
    if (pruner == null) {
      pruner = new WeightPruner(classifier.parameters());
    }
    // Until the clamp is calibrated, the model is in an unknown state: pruned.
    prunedSpec = spec;
    prunedClamp = clamp;
    prunedSeed = seed;
    prunedCalibration = calibration;
    report = null;
    unclamp();
    PruneReport weights = pruner.apply(spec, seed);
    if (clamp == null) {
      report = weights;
      return report;
    }
    ActivationClamp.Result calibrated =
        ActivationClamp.calibrate(plainProbes(), calibration, clamp.multiple());
    clamped.put(
        ClampGradient.EXACT,
        ClampedClassifier.of(plainProbes(), calibrated.bounds(), ClampGradient.EXACT));
    clampBounds = calibrated.bounds();
    report = weights.withClamps(calibrated.layers());
    return report;
  }

  /** Whether the weights may differ from the originals. */
  public boolean pruned() {
    return prunedSpec != null;
  }

  /** Writes the original weights back and removes any clamp (a no-op when they are original). */
  public void restore() {
    if (pruned()) {
      unclamp();
      pruner.restore();
      prunedSpec = null;
      prunedClamp = null;
      prunedCalibration = null;
      report = null;
    }
  }

  /** Drops the feature-map clamp: closes the clamped classifiers. */
  private void unclamp() {
    clampBounds = null;
    for (ClampedClassifier c : clamped.values()) {
      c.close();
    }
    clamped.clear();
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

  /** Frees the clamped classifiers, the pruner's copy of the weights and the classifier. */
  @Override
  public void close() {
    try {
      unclamp();
      if (pruner != null) {
        pruner.close();
      }
    } finally {
      classifier.close();
    }
  }
}

package io.adversarialprune.udfs.attack;

/**
 * One attack of the sweep's attack axis with its typed parameters: {@link Fgsm}, {@link Pgd},
 * {@link Apgd}, {@link ApgdT}, {@link Square}, {@link FabT} or {@link AutoAttack}, one record per
 * {@link AttackType}. Immutable, serializable values; {@link #attack()} makes the executor-side
 * algorithm.
 *
 * <p>A record's components are its entry's keys (in kebab case; {@link AttackType#keys()}), and its
 * compact constructor checks them, naming each bad one by key; the job reads the entries and their
 * defaults (its {@code reference.conf}), docs/ATTACKS.md lists each type's keys and ranges.
 */
public interface AttackSpec extends java.io.Serializable {

  /** Its {@link AttackType#type()}, e.g. {@code "pgd-linf"}. */
  String type();

  /** The threat model's norm: {@code "linf"} or {@code "l2"}. */
  String norm();

  /** The radius of the threat model in [0, 1] pixel space. */
  double eps();

  /**
   * A stable label naming every parameter that changes the result, e.g. {@code "pgd-linf eps=0.03
   * alpha=0.003 steps=10 restarts=1 random-start round-8bit"}: numbers in plain decimal without
   * trailing zeros, then the boolean options that are on, in key order.
   */
  String label();

  /**
   * The most forward+backward passes one sample can cost (early stopping only lowers it), for
   * comparing attacks at equal budget. Forward-only passes that pick the best restart or score
   * APGD's last iterate are not counted.
   */
  int passes();

  /**
   * The iterations of one restart (and one target): a gradient attack's steps ({@code steps}; FGSM:
   * its one step), a gradient-free attack's queries ({@code queries}); 0 for an ensemble ({@code
   * autoattack}), whose members each have their own. The results' {@code metrics} table writes it
   * as {@code steps} or {@code queries}.
   */
  int iterations();

  /** The algorithm, ready to run on executors. */
  Attack attack();

  /**
   * Whether the attack makes forward passes only (no input gradient), so that the engine check need
   * only vouch for the forward pass, and a model whose autograd is wrong can still be attacked.
   */
  default boolean gradientFree() {
    return false;
  }

  /**
   * Whether the attack records per sample the smallest adversarial distance it found ({@link
   * Attack.Traced#distances()}): FAB-T, and the cascade that has it as a member.
   */
  default boolean recordsDistances() {
    return false;
  }

  /** Whether a sample stops being attacked once it is misclassified ({@code early-stop}). */
  boolean earlyStop();

  /**
   * Whether the attack may hand the engine fewer rows than the batch it was given: early stop (once
   * a pass has been made) and later restarts (or targets) attack only the samples still standing,
   * in the buckets {@code n, ceil(n/2), ..., 1} of the batch. The engine check then checks those
   * sizes too.
   */
  boolean shrinksBatches();

  /**
   * Why a model with {@code classes} classes cannot be attacked this way, or {@code null} when it
   * can: checked at start-up against the sweep's model and again by the attack itself.
   */
  default String modelProblem(int classes) {
    return null;
  }
}

package io.adversarialprune.udfs.attack;

import com.typesafe.config.Config;
import java.util.List;

/**
 * One attack of the sweep's attack axis with its typed parameters: {@link Fgsm}, {@link Pgd},
 * {@link Apgd}, {@link ApgdT}, {@link Square}, {@link FabT} or {@link AutoAttack}. Immutable,
 * serializable values; {@link #attack()} makes the executor-side algorithm.
 *
 * <p>HOCON keys of one entry (kebab-case; defaults belong in the job's {@code reference.conf},
 * never here):
 *
 * <ul>
 *   <li>every type: {@code type}, {@code eps} (in (0, 1] for L-infinity, > 0 for L2), {@code
 *       round-8bit}, {@code early-stop}
 *   <li>{@code fgsm}: nothing else
 *   <li>{@code pgd-linf}, {@code pgd-l2}: {@code alpha} > 0, {@code steps} >= 1, {@code
 *       random-start}, {@code restarts} >= 1
 *   <li>{@code apgd-ce}, {@code apgd-dlr}: {@code steps} >= 1, {@code restarts} >= 1, {@code rho}
 *       in (0, 1)
 *   <li>{@code apgd-t}: as APGD, and {@code targets} >= 1
 *   <li>{@code square}: {@code norm} ({@code linf} or {@code l2}; {@code eps} then as for that
 *       norm), {@code queries} >= 1, {@code p-init} in (0, 1], {@code restarts} >= 1, {@code
 *       round-8bit}; no {@code early-stop} (a broken sample always stops)
 *   <li>{@code fab-t}: {@code norm} ({@code linf} or {@code l2}; {@code eps} then as for that
 *       norm), {@code steps} >= 1, {@code targets} >= 1 (and fewer than the model's classes),
 *       {@code restarts} >= 1, {@code round-8bit}; no {@code early-stop}
 *   <li>{@code autoattack}: {@code norm} ({@code linf}), {@code eps}, {@code round-8bit}; its
 *       members' budgets are AutoAttack's standard ones and take no keys
 * </ul>
 */
public sealed interface AttackSpec extends java.io.Serializable
    permits Fgsm, Pgd, ApgdSpec, Square, FabT, AutoAttack {

  /**
   * {@code "fgsm"}, {@code "pgd-linf"}, {@code "pgd-l2"}, {@code "apgd-ce"}, {@code "apgd-dlr"},
   * {@code "apgd-t"}, {@code "square"}, {@code "fab-t"} or {@code "autoattack"}.
   */
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

  /** The allowed values of {@code type}. */
  List<String> TYPES =
      List.of(
          "fgsm",
          "pgd-linf",
          "pgd-l2",
          "apgd-ce",
          "apgd-dlr",
          "apgd-t",
          "square",
          "fab-t",
          "autoattack");

  /** The keys an entry of {@code type} takes, {@code type} included; null for an unknown type. */
  static List<String> keys(String type) {
    return switch (type) {
      case Fgsm.TYPE -> Fgsm.KEYS;
      case "pgd-linf", "pgd-l2" -> Pgd.KEYS;
      case "apgd-ce", "apgd-dlr" -> Apgd.KEYS;
      case ApgdT.TYPE -> ApgdT.KEYS;
      case Square.TYPE -> Square.KEYS;
      case FabT.TYPE -> FabT.KEYS;
      case AutoAttack.TYPE -> AutoAttack.KEYS;
      default -> null;
    };
  }

  /**
   * Reads one attack entry (its {@code type} and every key of that type, defaults already merged by
   * the caller). Validates everything and reports all problems at once in one {@link
   * IllegalArgumentException}, messages separated by {@code "; "}, each naming the full key {@code
   * path + "." + key}, each problem once. Keys that the type does not take are problems too (a
   * misspelt or misplaced key would otherwise be silently ignored), reported here and not validated
   * further, so a caller need not check for them again.
   *
   * @param entry the entry itself
   * @param path where the entry sits, for messages, e.g. {@code "sweep.attacks[1]"}
   */
  static AttackSpec from(Config entry, String path) {
    SpecReader e = new SpecReader(entry, path);
    String type = e.string("type");
    if (type == null) {
      throw e.failure();
    }
    List<String> keys = keys(type);
    if (keys == null) {
      e.problem("type", "must be one of " + String.join(", ", TYPES) + ", got \"" + type + "\"");
      throw e.failure();
    }
    e.onlyKeys(type, keys);
    AttackSpec spec =
        switch (type) {
          case Fgsm.TYPE -> e.read(Fgsm.class, keys);
          case "pgd-linf", "pgd-l2" -> e.read(Pgd.class, keys, Pgd.normOf(type));
          case "apgd-ce", "apgd-dlr" -> e.read(Apgd.class, keys, Apgd.Loss.of(type));
          case ApgdT.TYPE -> e.read(ApgdT.class, keys);
          case Square.TYPE -> e.read(Square.class, keys);
          case FabT.TYPE -> e.read(FabT.class, keys);
          case AutoAttack.TYPE -> e.read(AutoAttack.class, keys);
          default -> throw new IllegalStateException("no reader for type " + type);
        };
    if (spec == null) {
      throw e.failure();
    }
    return spec;
  }
}

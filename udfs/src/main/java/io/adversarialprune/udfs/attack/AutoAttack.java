package io.adversarialprune.udfs.attack;

import io.adversarialprune.udfs.config.ConfigProblems;
import java.util.List;

/**
 * AutoAttack's standard ensemble (Croce and Hein, ICML 2020), type {@code autoattack}, run as a
 * cascade at one norm and radius: each member attacks only the samples that every member before it
 * left standing, and each sample records which member broke it ({@link CascadeAttack}). Its remnant
 * accuracy is AutoAttack's robust accuracy, the figure RobustBench reports.
 *
 * <p>Members, in AutoAttack's order and at its standard budgets: APGD-CE (100 steps, 1 restart),
 * APGD-T (100 steps, 1 restart, 9 target classes), FAB-T (100 steps, 9 target classes, 1 restart;
 * alpha_max 0.1, eta 1.05, beta 0.9) and Square (5000 queries, {@code p-init} 0.8, 1 restart). The
 * label names them ({@code members=apgd-ce,apgd-t,fab-t,square}), so a results table says what ran.
 * The APGD members use early stop (a broken sample stops; the robust accuracy is the same); all use
 * this entry's {@code round-8bit}. Per sample the cascade also records the smallest adversarial
 * distance its members found ({@link CascadeAttack}), the data of the robustness curve.
 *
 * @param norm the threat model; {@code "linf"} only, for now (the project's APGD is L-infinity)
 * @param eps the L-infinity radius in [0, 1] pixel space, in (0, 1] ({@code eps}; RobustBench's
 *     CIFAR-10 L-infinity: 8/255)
 * @param round8bit round every member's images to 8 bits ({@code round-8bit})
 */
public record AutoAttack(String norm, double eps, boolean round8bit) implements AttackSpec {

  static final String TYPE = "autoattack";

  /** APGD-CE's, APGD-T's and FAB-T's iterations (AutoAttack's standard version). */
  static final int STEPS = 100;

  /** APGD-T's and FAB-T's target classes. */
  static final int TARGETS = 9;

  /** Square's queries. */
  static final int QUERIES = 5000;

  /** Validates; messages name the key as {@code autoattack.<key>}. */
  public AutoAttack {
    String n = norm;
    SpecReader.require(TYPE, p -> check(n, eps, p));
  }

  static void check(String norm, double eps, ConfigProblems problems) {
    if (norm != null && !norm.equals("linf")) {
      problems.add(
          "norm",
          "must be linf (the ensemble's APGD members are L-infinity only), got \"" + norm + "\"");
    }
    SpecReader.checkEps(eps, problems);
  }

  /** The members, in the order they run. */
  public List<AttackSpec> members() {
    return List.of(
        new Apgd(Apgd.Loss.CE, eps, STEPS, 1, 0.75, round8bit, true),
        new ApgdT(eps, STEPS, 1, TARGETS, 0.75, round8bit, true),
        new FabT(norm, eps, STEPS, TARGETS, 1, round8bit),
        new Square("linf", eps, QUERIES, 0.8, 1, round8bit));
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public String label() {
    return TYPE
        + " norm="
        + norm
        + " eps="
        + SpecReader.number(eps)
        + " members="
        + String.join(",", members().stream().map(AttackSpec::type).toList())
        + SpecReader.flags(false, round8bit, false);
  }

  /**
   * The members' forward+backward passes together (Square's queries and FAB-T's per-step checks are
   * forward only).
   */
  @Override
  public int passes() {
    return members().stream().mapToInt(AttackSpec::passes).sum();
  }

  /** None of its own: each member has its own ({@link #members()}). */
  @Override
  public int iterations() {
    return 0;
  }

  @Override
  public boolean earlyStop() {
    return true;
  }

  @Override
  public boolean recordsDistances() {
    return true;
  }

  @Override
  public boolean shrinksBatches() {
    return true;
  }

  @Override
  public String modelProblem(int classes) {
    for (AttackSpec m : members()) {
      String problem = m.modelProblem(classes);
      if (problem != null) {
        return "autoattack's member " + problem;
      }
    }
    return null;
  }

  @Override
  public Attack attack() {
    return new CascadeAttack(members());
  }
}

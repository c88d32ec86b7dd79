package io.adversarialprune.job.report;

import io.adversarialprune.job.results.MetricsTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The gradient-masking checks of a run's config rows, each naming its evidence, as notebook query
 * {@code notebooks/sql/09_gradient_masking.sql} computes them ({@code MaskingQueryTest} holds the
 * two to the same rows):
 *
 * <ul>
 *   <li>{@code transfer}: a row's white-box remnant accuracy against its accuracy on the unpruned
 *       model's adversarial images, flagged as the metrics' {@code masking_suspect};
 *   <li>{@code gradient-free}: per row of a gradient-free attack (Square), the best attack that
 *       follows the gradient of the same config, norm and eps (lowest remnant accuracy, then attack
 *       order) against the gradient-free one's, flagged when the gradient-free attack's 95%
 *       interval lies wholly below the gradient attack's: a random search that beats every gradient
 *       attack finds what the gradients hide.
 * </ul>
 *
 * <p>Which attacks are which, and their norm and eps, come from the metrics' {@code gradient_free},
 * {@code norm} and {@code eps} columns, written from each attack's spec: every attack with {@code
 * gradient_free = false} is a gradient attack here, whatever its type, and one with null (an
 * ensemble of both kinds, {@code autoattack}; the worst case) is neither. A row written before the
 * metrics had these columns has them null and takes no part in the gradient-free check ({@link
 * ConfigMetrics#identified()}).
 */
final class MaskingChecks {
  static final String TRANSFER = "transfer";
  static final String STRAIGHT_THROUGH = "straight-through";
  static final String GRADIENT_FREE = "gradient-free";

  /** One check of one config: {@code attack}'s remnant accuracy against the evidence's accuracy. */
  record Check(
      ConfigMetrics row,
      String check,
      String attack,
      double remnantAcc,
      String evidence,
      double evidenceAcc,
      boolean flagged) {
    double gap() {
      return remnantAcc - evidenceAcc;
    }
  }

  private MaskingChecks() {}

  /**
   * Every check the rows allow, flagged first, then by gap (largest first), config, check and
   * attack order.
   */
  static List<Check> of(List<ConfigMetrics> rows) {
    List<Check> checks = new ArrayList<>();
    for (ConfigMetrics m : rows) {
      if (m.baselineAdvAcc() != null) {
        checks.add(transfer(m, Boolean.TRUE.equals(m.maskingSuspect())));
      }
    }
    for (ConfigMetrics free : rows) {
      if (Boolean.TRUE.equals(free.gradientFree()) && free.identified()) {
        bestGradient(rows, free)
            .ifPresent(
                g ->
                    checks.add(
                        new Check(
                            free,
                            GRADIENT_FREE,
                            g.attack(),
                            g.remnantAcc().value(),
                            free.attack(),
                            free.remnantAcc().value(),
                            free.remnantAcc().upper() < g.remnantAcc().lower())));
      }
    }
    checks.sort(
        Comparator.comparing((Check c) -> !c.flagged())
            .thenComparing(Comparator.comparingDouble(Check::gap).reversed())
            .thenComparingInt(c -> c.row().order())
            .thenComparing(Check::check)
            .thenComparingInt(c -> attackOrder(rows, c)));
    return checks;
  }

  /**
   * Every check of every config by the evidence it compares with, for the report's verdict: in
   * config order, then transfer, straight-through and gradient-free, then attack order. Unlike
   * {@link #of}, which follows notebook query 09 and flags a transfer check as {@code
   * masking_suspect} does, each check here is flagged by its own evidence only: {@code transfer}
   * when the row's remnant accuracy lies above its accuracy on the baseline's images, intervals
   * apart; {@code straight-through} (a clamp config's exact-gradient row against its twin, the
   * sweep's attack with the same spec and the straight-through gradient) when it lies above the
   * twin's, intervals apart. {@code masking_suspect} is the two together (docs/CLAMP.md).
   */
  static List<Check> byEvidence(List<ConfigMetrics> rows) {
    List<Check> checks = new ArrayList<>();
    for (ConfigMetrics m : rows) {
      if (m.baselineAdvAcc() != null) {
        checks.add(transfer(m, m.remnantAcc().lower() > m.baselineAdvAcc().upper()));
      }
      if (m.clamps() && !m.straightThrough() && !m.worstCase()) {
        String twinLabel = m.attackLabel() + MetricsTable.STRAIGHT_THROUGH_LABEL;
        rows.stream()
            .filter(t -> t.configId().equals(m.configId()) && twinLabel.equals(t.attackLabel()))
            .findFirst()
            .ifPresent(
                t ->
                    checks.add(
                        new Check(
                            m,
                            STRAIGHT_THROUGH,
                            m.attack(),
                            m.remnantAcc().value(),
                            t.attack(),
                            t.remnantAcc().value(),
                            m.remnantAcc().lower() > t.remnantAcc().upper())));
      }
    }
    of(rows).stream().filter(c -> c.check().equals(GRADIENT_FREE)).forEach(checks::add);
    List<String> kinds = List.of(TRANSFER, STRAIGHT_THROUGH, GRADIENT_FREE);
    checks.sort(
        Comparator.comparingInt((Check c) -> c.row().order())
            .thenComparingInt(c -> kinds.indexOf(c.check()))
            .thenComparingInt(c -> attackOrder(rows, c)));
    return checks;
  }

  /** The row's remnant accuracy against its accuracy on the baseline's adversarial images. */
  private static Check transfer(ConfigMetrics m, boolean flagged) {
    return new Check(
        m,
        TRANSFER,
        m.attack(),
        m.remnantAcc().value(),
        "baseline images",
        m.baselineAdvAcc().value(),
        flagged);
  }

  private static Optional<ConfigMetrics> bestGradient(List<ConfigMetrics> rows, ConfigMetrics s) {
    return rows.stream()
        .filter(g -> Boolean.FALSE.equals(g.gradientFree()) && g.identified())
        .filter(g -> g.configId().equals(s.configId()))
        .filter(g -> g.norm().equals(s.norm()) && g.eps().equals(s.eps()))
        .min(
            Comparator.comparingDouble((ConfigMetrics g) -> g.remnantAcc().value())
                .thenComparingInt(ConfigMetrics::attackOrder));
  }

  private static int attackOrder(List<ConfigMetrics> rows, Check c) {
    return rows.stream()
        .filter(m -> m.configId().equals(c.row().configId()) && m.attack().equals(c.attack()))
        .mapToInt(ConfigMetrics::attackOrder)
        .findFirst()
        .orElse(Integer.MAX_VALUE);
  }
}

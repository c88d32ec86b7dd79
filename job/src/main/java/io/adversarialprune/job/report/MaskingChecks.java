package io.adversarialprune.job.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gradient-masking checks of a run's config rows, each naming its evidence, as notebook query
 * {@code notebooks/sql/09_gradient_masking.sql} computes them ({@code MaskingQueryTest} holds the
 * two to the same rows):
 *
 * <ul>
 *   <li>{@code transfer}: a row's white-box remnant accuracy against its accuracy on the unpruned
 *       model's adversarial images, flagged as the metrics' {@code masking_suspect};
 *   <li>{@code gradient-free}: per Square row, the best gradient attack of the same config, norm
 *       and eps (lowest remnant accuracy, then attack order) against Square's, flagged when
 *       Square's 95% interval lies wholly below the gradient attack's: a random search that beats
 *       every gradient attack finds what the gradients hide.
 * </ul>
 */
final class MaskingChecks {
  /** The attack types that follow the gradient. */
  static final Set<String> GRADIENT =
      Set.of("fgsm", "pgd-linf", "pgd-l2", "apgd-ce", "apgd-dlr", "apgd-t", "fab-t");

  private static final Pattern NORM = Pattern.compile("norm=([a-z0-9]+)");
  private static final Pattern EPS = Pattern.compile("eps=([0-9.E-]+)");

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
        checks.add(
            new Check(
                m,
                "transfer",
                m.attack(),
                m.remnantAcc().value(),
                "baseline images",
                m.baselineAdvAcc().value(),
                Boolean.TRUE.equals(m.maskingSuspect())));
      }
    }
    for (ConfigMetrics square : rows) {
      if ("square".equals(square.attackType())) {
        bestGradient(rows, square)
            .ifPresent(
                g ->
                    checks.add(
                        new Check(
                            square,
                            "gradient-free",
                            g.attack(),
                            g.remnantAcc().value(),
                            square.attack(),
                            square.remnantAcc().value(),
                            square.remnantAcc().upper() < g.remnantAcc().lower())));
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

  private static Optional<ConfigMetrics> bestGradient(List<ConfigMetrics> rows, ConfigMetrics s) {
    return rows.stream()
        .filter(g -> GRADIENT.contains(g.attackType()))
        .filter(g -> g.configId().equals(s.configId()))
        .filter(g -> norm(g).equals(norm(s)) && eps(g).equals(eps(s)))
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

  /**
   * The attack's norm: pgd-l2's, Square's and FAB-T's own ({@code norm=} of the label), else linf.
   */
  static String norm(ConfigMetrics m) {
    return switch (m.attackType()) {
      case "pgd-l2" -> "l2";
      case "square", "fab-t" -> group(NORM, m.attackLabel());
      default -> "linf";
    };
  }

  /** The {@code eps=} of the attack's label, as written there ("" if none). */
  static String eps(ConfigMetrics m) {
    return group(EPS, m.attackLabel());
  }

  private static String group(Pattern p, String label) {
    Matcher matcher = p.matcher(label == null ? "" : label);
    return matcher.find() ? matcher.group(1) : "";
  }
}

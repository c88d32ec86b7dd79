package io.adversarialprune.job.report;

import static io.adversarialprune.job.report.HtmlReport.esc;
import static io.adversarialprune.job.report.HtmlReport.pct;

import io.adversarialprune.job.report.ConfigMetrics.Interval;
import io.adversarialprune.udfs.prune.PruneSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The report's first section, before any chart: what the run says. A config x attack pivot of
 * remnant accuracy with the most robust config highlighted; per config every gradient-masking check
 * with its evidence ({@link MaskingChecks#byEvidence}); and, when the run has them, how many
 * samples each member of a cascade broke ({@code samples.broken_by}) and the median smallest
 * adversarial distance ({@code metrics.median_min_distance}). Every figure is one the tables below
 * (or the metrics and samples tables) hold; nothing is recomputed but the choice of what to show.
 * Stateless.
 */
final class Verdict {
  private static final Pattern MEMBERS = Pattern.compile("members=([a-z0-9,-]+)");

  private Verdict() {}

  static void render(StringBuilder h, ReportData data) {
    List<ConfigMetrics> rows = data.run().metrics();
    h.append("<section id=\"verdict\">\n<h2>Verdict</h2>\n");
    if (rows.isEmpty()) {
      h.append("<p id=\"verdict-missing\">No metrics for run ")
          .append(esc(data.run().runId()))
          .append(": no verdict.</p>\n</section>\n");
      return;
    }
    List<String> attacks = attacks(rows);
    String judge = attacks.get(attacks.size() - 1); // the worst case when there are several
    List<ConfigMetrics> judged = rows.stream().filter(m -> m.attack().equals(judge)).toList();
    double best = judged.stream().mapToDouble(m -> m.remnantAcc().value()).max().orElse(0);
    headline(h, rows, attacks, judge, judged, best);
    pivot(h, rows, attacks, judge, best);
    masking(h, rows);
    attackStrength(h, data, rows, attacks);
    h.append("</section>\n");
  }

  /** The run's attacks in attack order, the worst case (when there is one) last. */
  private static List<String> attacks(List<ConfigMetrics> rows) {
    return rows.stream()
        .sorted(Comparator.comparingInt(ConfigMetrics::attackOrder))
        .map(ConfigMetrics::attack)
        .distinct()
        .toList();
  }

  private static void headline(
      StringBuilder h,
      List<ConfigMetrics> rows,
      List<String> attacks,
      String judge,
      List<ConfigMetrics> judged,
      double best) {
    String under =
        attacks.size() > 1
            ? "the worst case over " + (attacks.size() - 1) + " attacks (per sample)"
            : esc(judge);
    h.append("<p id=\"verdict-headline\">");
    if (best <= 0) {
      h.append("No config keeps any sample under ").append(under).append(".");
    } else {
      List<ConfigMetrics> tops =
          judged.stream().filter(m -> m.remnantAcc().value() == best).toList();
      ConfigMetrics top = tops.get(0);
      ConfigMetrics base =
          judged.stream()
              .filter(m -> PruneSpec.BASELINE.equals(m.prune()))
              .findFirst()
              .orElse(null);
      if (tops.size() > 1) {
        // a tie names no winner: say so rather than crown the first in grid order
        h.append(tops.size())
            .append(" configs tie as most robust under ")
            .append(under)
            .append(" at remnant accuracy ")
            .append(pct(best, 2))
            .append(": ")
            .append(
                esc(String.join(", ", tops.stream().limit(4).map(ConfigMetrics::label).toList())))
            .append(tops.size() > 4 ? " and " + (tops.size() - 4) + " more" : "");
      } else {
        h.append("Most robust under ")
            .append(under)
            .append(": <strong>")
            .append(esc(top.label()))
            .append("</strong>, remnant accuracy ")
            .append(pct(top.remnantAcc().value(), 2))
            .append(" (95% ")
            .append(pct(top.remnantAcc().lower(), 2))
            .append(" to ")
            .append(pct(top.remnantAcc().upper(), 2))
            .append("), clean accuracy ")
            .append(pct(top.cleanAcc().value(), 2));
      }
      if (base != null && !tops.contains(base)) {
        h.append("; the baseline keeps ")
            .append(pct(base.remnantAcc().value(), 2))
            .append(" at clean ")
            .append(pct(base.cleanAcc().value(), 2));
      }
      h.append(".");
    }
    long flagged =
        MaskingChecks.byEvidence(rows).stream().filter(MaskingChecks.Check::flagged).count();
    h.append(
            flagged == 0
                ? " No gradient-masking check flags a config."
                : " <span class=\"flag\">"
                    + flagged
                    + " gradient-masking check"
                    + (flagged == 1 ? "" : "s")
                    + " flagged</span> (below).")
        .append("</p>\n");
  }

  /**
   * Remnant accuracy, config x attack; the judged column's best cells and the worst case marked.
   */
  private static void pivot(
      StringBuilder h, List<ConfigMetrics> rows, List<String> attacks, String judge, double best) {
    boolean worstCase = attacks.size() > 1;
    h.append("<p><small>Remnant accuracy (adversarial images classified correctly, over all images")
        .append(
            " of all seeds; the 95% interval on hover). <span class=\"best\">Highlighted</span>:")
        .append(" the most robust config under ")
        .append(worstCase ? "the worst case, the column that counts:" : "the run's attack.")
        .append(
            worstCase
                ? " per sample the worst of every attack, so no attack alone can claim"
                    + " more.</small></p>\n"
                : "</small></p>\n");
    h.append("<table id=\"verdict-pivot\"><thead><tr><th class=\"l\">Model</th><th>clean_acc</th>");
    for (String a : attacks) {
      h.append(a.equals(judge) && worstCase ? "<th class=\"wc\">" : "<th>")
          .append(esc(a))
          .append("</th>");
    }
    h.append("</tr></thead><tbody>\n");
    Map<String, List<ConfigMetrics>> byConfig = new LinkedHashMap<>();
    rows.stream()
        .sorted(Comparator.comparingInt(ConfigMetrics::order))
        .forEach(m -> byConfig.computeIfAbsent(m.configId(), k -> new ArrayList<>()).add(m));
    for (List<ConfigMetrics> config : byConfig.values()) {
      ConfigMetrics first = config.get(0);
      h.append("<tr class=\"pivot\"><td class=\"l\">")
          .append(esc(first.label()))
          .append("</td><td>")
          .append(pct(first.cleanAcc().value(), 2))
          .append("</td>");
      for (String a : attacks) {
        ConfigMetrics cell =
            config.stream().filter(m -> m.attack().equals(a)).findFirst().orElse(null);
        List<String> classes = new ArrayList<>();
        if (a.equals(judge) && worstCase) {
          classes.add("wc");
        }
        if (cell != null && a.equals(judge) && best > 0 && cell.remnantAcc().value() == best) {
          classes.add("best");
        }
        h.append(classes.isEmpty() ? "<td" : "<td class=\"" + String.join(" ", classes) + "\"");
        if (cell == null) {
          h.append("></td>");
          continue;
        }
        Interval r = cell.remnantAcc();
        h.append(" title=\"95% interval ")
            .append(pct(r.lower(), 2))
            .append(" to ")
            .append(pct(r.upper(), 2))
            .append("\">")
            .append(pct(r.value(), 2))
            .append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</tbody></table>\n");
  }

  /** Per config, each masking check by its evidence, flagged or not, with both figures. */
  private static void masking(StringBuilder h, List<ConfigMetrics> rows) {
    List<MaskingChecks.Check> checks = MaskingChecks.byEvidence(rows);
    h.append("<h3>Gradient masking</h3>\n");
    if (rows.stream().anyMatch(m -> !m.worstCase() && !m.identified())) {
      h.append("<p id=\"verdict-masking-unidentified\"><small>The run was written before the")
          .append(
              " metrics named each attack's norm, eps and use of the gradient: no gradient-free")
          .append(" check is made for it (a new run has them).</small></p>\n");
    }
    if (checks.isEmpty()) {
      h.append("<p id=\"verdict-masking-missing\">No check possible: the run has no baseline to")
          .append(" transfer from, no straight-through twin of a clamp attack and no Square")
          .append(" attack.</p>\n");
      return;
    }
    h.append("<p><small>Each check compares a config's remnant accuracy under a gradient attack")
        .append(" with evidence that needs no trustworthy gradient, and flags it when the first")
        .append(" lies above the second with the 95% intervals apart (docs/AUTOATTACK.md,")
        .append(" docs/CLAMP.md). <em>Transfer</em>: the unpruned model's adversarial images of")
        .append(" the same samples and attack. <em>Straight-through</em>: for a clamp config, the")
        .append(" same attack with the straight-through gradient through the clamps (BPDA).")
        .append(" <em>Gradient-free</em>: Square against the best gradient attack of the same norm")
        .append(
            " and eps. Each line: attack, its remnant accuracy vs the evidence's.</small></p>\n");
    List<String> kinds =
        List.of(
            MaskingChecks.TRANSFER, MaskingChecks.STRAIGHT_THROUGH, MaskingChecks.GRADIENT_FREE);
    h.append("<table id=\"verdict-masking\"><thead><tr><th class=\"l\">Model</th>")
        .append("<th class=\"l\">transfer from baseline</th>")
        .append("<th class=\"l\">straight-through twin</th>")
        .append("<th class=\"l\">gradient-free (Square)</th>")
        .append("<th class=\"l\">masking</th></tr></thead><tbody>\n");
    Map<String, List<MaskingChecks.Check>> byConfig = new LinkedHashMap<>();
    for (MaskingChecks.Check c : checks) {
      byConfig.computeIfAbsent(c.row().configId(), k -> new ArrayList<>()).add(c);
    }
    for (List<MaskingChecks.Check> config : byConfig.values()) {
      boolean any = config.stream().anyMatch(MaskingChecks.Check::flagged);
      h.append("<tr class=\"")
          .append(any ? "flagged" : "clear")
          .append("\"><td class=\"l\">")
          .append(esc(config.get(0).row().label()))
          .append("</td>");
      for (String kind : kinds) {
        List<MaskingChecks.Check> ofKind =
            config.stream().filter(c -> c.check().equals(kind)).toList();
        if (ofKind.isEmpty()) {
          h.append("<td class=\"l na\">&mdash;</td>");
          continue;
        }
        boolean flagged = ofKind.stream().anyMatch(MaskingChecks.Check::flagged);
        h.append(flagged ? "<td class=\"l flag\">" : "<td class=\"l\">");
        for (int i = 0; i < ofKind.size(); i++) {
          MaskingChecks.Check c = ofKind.get(i);
          h.append(i == 0 ? "" : "<br>")
              .append(c.flagged() ? "FLAGGED " : "")
              .append(esc(c.attack()))
              .append(" ")
              .append(pct(c.remnantAcc(), 1))
              .append(" vs ")
              .append(kind.equals(MaskingChecks.TRANSFER) ? "" : esc(c.evidence()) + " ")
              .append(pct(c.evidenceAcc(), 1));
        }
        h.append("</td>");
      }
      h.append("<td class=\"l\">").append(any ? "<strong>flagged</strong>" : "not flagged");
      h.append("</td></tr>\n");
    }
    h.append("</tbody></table>\n");
  }

  /**
   * Per config: how many samples each member of a cascade attack broke and how many it left, and
   * the median smallest distance of each attack that records distances. Nothing without either.
   */
  private static void attackStrength(
      StringBuilder h, ReportData data, List<ConfigMetrics> rows, List<String> attacks) {
    List<String> cascades =
        attacks.stream()
            .filter(a -> data.brokenBy().stream().anyMatch(b -> b.attack().equals(a)))
            .toList();
    List<String> distances =
        attacks.stream()
            .filter(
                a ->
                    rows.stream()
                        .anyMatch(m -> m.attack().equals(a) && m.medianMinDistance() != null))
            .toList();
    if (cascades.isEmpty() && distances.isEmpty()) {
      return;
    }
    Map<String, List<String>> members = new LinkedHashMap<>();
    for (String a : cascades) {
      List<String> order = new ArrayList<>();
      rows.stream()
          .filter(m -> m.attack().equals(a))
          .map(ConfigMetrics::attackLabel)
          .filter(Objects::nonNull)
          .findFirst()
          .ifPresent(
              label -> {
                Matcher m = MEMBERS.matcher(label);
                if (m.find()) {
                  order.addAll(List.of(m.group(1).split(",")));
                }
              });
      data.brokenBy().stream()
          .filter(b -> b.attack().equals(a) && !order.contains(b.member()))
          .forEach(b -> order.add(b.member()));
      members.put(a, order);
    }
    h.append("<h3>Who broke what</h3>\n<p><small>");
    if (!cascades.isEmpty()) {
      h.append("Per cascade attack, the clean-correct samples each member broke")
          .append(" (<code>samples.broken_by</code>; a member attacks only what the ones before it")
          .append(" left) and those left robust. ");
    }
    if (!distances.isEmpty()) {
      h.append("Median smallest adversarial distance found (<code>median_min_distance</code>,")
          .append(" the attack's norm), over the clean-correct samples that have one; marked")
          .append(" &le; where the attack does not minimise every distance (autoattack: a sample")
          .append(" APGD broke carries APGD's distance), so it is an upper bound.");
    }
    h.append("</small></p>\n<table id=\"verdict-attacks\"><thead><tr><th class=\"l\">Model</th>");
    for (String a : cascades) {
      for (String m : members.get(a)) {
        h.append("<th>")
            .append(esc(a))
            .append("<br><small>")
            .append(esc(m))
            .append("</small></th>");
      }
      h.append("<th>").append(esc(a)).append("<br><small>left robust</small></th>");
    }
    for (String a : distances) {
      h.append("<th>").append(esc(a)).append("<br><small>median_min_distance</small></th>");
    }
    h.append("</tr></thead><tbody>\n");
    Map<String, List<ConfigMetrics>> byConfig = new LinkedHashMap<>();
    rows.stream()
        .sorted(Comparator.comparingInt(ConfigMetrics::order))
        .forEach(m -> byConfig.computeIfAbsent(m.configId(), k -> new ArrayList<>()).add(m));
    for (Map.Entry<String, List<ConfigMetrics>> e : byConfig.entrySet()) {
      h.append("<tr class=\"attacks\"><td class=\"l\">")
          .append(esc(e.getValue().get(0).label()))
          .append("</td>");
      for (String a : cascades) {
        for (String member : members.get(a)) {
          long n =
              data.brokenBy().stream()
                  .filter(
                      b ->
                          b.configId().equals(e.getKey())
                              && b.attack().equals(a)
                              && b.member().equals(member))
                  .mapToLong(ReportData.BrokenBy::samples)
                  .sum();
          h.append("<td>").append(n).append("</td>");
        }
        ConfigMetrics row =
            e.getValue().stream().filter(m -> m.attack().equals(a)).findFirst().orElse(null);
        h.append("<td>")
            .append(row == null ? "" : String.valueOf(row.advCorrect()))
            .append("</td>");
      }
      for (String a : distances) {
        ConfigMetrics row =
            e.getValue().stream().filter(m -> m.attack().equals(a)).findFirst().orElse(null);
        Double d = row == null ? null : row.medianMinDistance();
        h.append("<td>");
        if (d != null) {
          h.append(Charts.MINIMISING.contains(row.attackType()) ? "" : "&le; ")
              .append(String.format(Locale.ROOT, "%.4f", d));
        }
        h.append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</tbody></table>\n");
  }
}

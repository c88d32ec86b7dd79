package io.adversarialprune.job.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.report.ComparisonOutput.Format;
import io.adversarialprune.job.report.ConfigMetrics.Interval;
import io.adversarialprune.job.report.ConfigMetrics.Rate;
import io.adversarialprune.job.report.RunComparison.Presence;
import io.adversarialprune.job.report.RunComparison.Side;
import io.adversarialprune.udfs.metrics.OutcomeCounts;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The comparison's statistics (its p-value against a hand computation, its false-alarm rate and
 * power on simulated runs), its row matching, the gate's syntax and judgement, and the three output
 * formats. No Spark: {@code CompareCommandTest} runs it on real runs.
 */
class RunComparisonTest {
  private static final Side BEFORE = new Side("n1", "previous SUCCEEDED run", "hash1");
  private static final Side AFTER = new Side("n2", "latest SUCCEEDED run", "hash1");

  @Test
  void pValueIsThePooledTwoProportionZTest() {
    // 50/100 vs 65/100: pooled 0.575, se sqrt(0.575 * 0.425 * 0.02) = 0.069911, z = 2.14559,
    // two-sided p = 2 * (1 - Phi(2.14559)) = 0.031905 (R: prop.test(c(50,65), c(100,100),
    // correct=FALSE)$p.value).
    assertThat(RunComparison.pValue(50, 100, 65, 100)).isCloseTo(0.031905, within(1e-5));
    assertThat(RunComparison.pValue(65, 100, 50, 100)).isCloseTo(0.031905, within(1e-5));
    assertThat(RunComparison.pValue(40, 80, 40, 80)).isEqualTo(1.0);
    // no variance: both all-correct
    assertThat(RunComparison.pValue(80, 80, 100, 100)).isEqualTo(1.0);
    // nothing to divide by: strict_asr of a config that classifies nothing
    assertThat(RunComparison.pValue(0, 0, 5, 10)).isNaN();
  }

  @Test
  void falseAlarmRateIsAboutAlphaAndARealDropIsFound() {
    // 20,000 pairs of runs of 1,000 samples with the same true accuracy: the share flagged is the
    // test's false-alarm rate, documented as about alpha.
    Random random = new Random(20261207);
    int pairs = 20_000;
    int n = 1000;
    int flagged = 0;
    int found = 0;
    for (int i = 0; i < pairs; i++) {
      long a = binomial(random, n, 0.6);
      long b = binomial(random, n, 0.6);
      flagged += RunComparison.pValue(a, n, b, n) < RunComparison.DEFAULT_ALPHA ? 1 : 0;
      // a real drop of 10 points
      long c = binomial(random, n, 0.5);
      found += RunComparison.pValue(a, n, c, n) < RunComparison.DEFAULT_ALPHA ? 1 : 0;
    }
    double falseAlarms = (double) flagged / pairs;
    assertThat(falseAlarms).as("false-alarm rate at alpha 0.01").isBetween(0.007, 0.013);
    // theory: P(Z > 2.576 - 0.1 / sqrt(0.55 * 0.45 * 2 / 1000)) = 0.973
    assertThat((double) found / pairs)
        .as("power against a 10-point drop, n = 1000")
        .isBetween(0.96, 0.985);
  }

  @Test
  void matchesRowsByConfigAndAttackAndMarksAppearedAndDisappeared() {
    List<ConfigMetrics> before =
        List.of(row("baseline", 0, 900, 300), row("E_0_01", 1, 880, 290), row("S_3", 2, 850, 400));
    List<ConfigMetrics> after =
        List.of(row("baseline", 0, 900, 300), row("E_0_01", 1, 700, 150), row("E_0_5", 3, 200, 10));
    RunComparison c = RunComparison.of("nightly", BEFORE, before, AFTER, after, 0.01);

    assertThat(c.lines())
        .extracting(l -> l.row().configId() + ":" + l.presence())
        .containsExactly("baseline:BOTH", "E_0_01:BOTH", "E_0_5:APPEARED", "S_3:DISAPPEARED");
    assertThat(c.lines(Presence.BOTH).get(0).changes())
        .noneMatch(RunComparison.Change::significant);
    RunComparison.Change clean = c.lines(Presence.BOTH).get(1).changes().get(0);
    assertThat(clean.rate()).isEqualTo(Rate.CLEAN_ACC);
    assertThat(clean.deltaPoints()).isCloseTo(-18.0, within(1e-9));
    assertThat(clean.beforeSuccesses()).isEqualTo(880);
    assertThat(clean.afterTrials()).isEqualTo(1000);
    assertThat(clean.significant()).isTrue();
    assertThat(c.sweepChanged()).isFalse();
    assertThat(
            RunComparison.of("nightly", BEFORE, before, new Side("n2", "x", "hash2"), after, 0.01)
                .sweepChanged())
        .isTrue();
  }

  @Test
  void gateParsesThresholdsAndRefusesWhatItCannotRead() {
    Gate g = Gate.parse("remnant_acc:-2pt, clean_acc:-1.5pt,strict_asr:+3pt", "--fail-on");
    assertThat(g.thresholds())
        .containsExactly(
            new Gate.Threshold(Rate.REMNANT_ACC, -2),
            new Gate.Threshold(Rate.CLEAN_ACC, -1.5),
            new Gate.Threshold(Rate.STRICT_ASR, 3));
    assertThat(g).hasToString("remnant_acc:-2pt, clean_acc:-1.5pt, strict_asr:+3pt");

    assertThatThrownBy(() -> Gate.parse("remnant:-2pt", "--fail-on"))
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("--fail-on: unknown metric 'remnant'")
        .hasMessageContaining("clean_acc, remnant_acc, pred_change_rate, strict_asr");
    for (String bad : List.of("remnant_acc:2pt", "remnant_acc:-2%", "remnant_acc", "", ",")) {
      assertThatThrownBy(() -> Gate.parse(bad, "--fail-on"))
          .as(bad)
          .isInstanceOf(UserInputException.class)
          .hasMessageContaining("--fail-on");
    }
    assertThatThrownBy(() -> Gate.parse("clean_acc:-0pt", "--fail-on"))
        .hasMessageContaining("gates nothing");
  }

  @Test
  void gateJudgesSignificantChangesPastTheThresholdInItsDirectionOnly() {
    List<ConfigMetrics> before = List.of(row("baseline", 0, 900, 300), row("E", 1, 600, 300));
    // baseline: clean -3pt (significant at n = 1000? 900 vs 870: p = 0.03, not at 0.01), E: -18pt
    List<ConfigMetrics> after = List.of(row("baseline", 0, 870, 300), row("E", 1, 420, 300));
    RunComparison c = RunComparison.of("nightly", BEFORE, before, AFTER, after, 0.01);

    List<Gate.Crossing> drop = Gate.parse("clean_acc:-2pt", "g").crossings(c);
    assertThat(drop).extracting(x -> x.line().row().configId()).containsExactly("E");
    assertThat(Gate.parse("clean_acc:-20pt", "g").crossings(c)).isEmpty();
    assertThat(Gate.parse("clean_acc:+2pt", "g").crossings(c)).isEmpty();
    // a looser test makes the 3-point drop significant and so crossing
    RunComparison loose = RunComparison.of("nightly", BEFORE, before, AFTER, after, 0.05);
    assertThat(Gate.parse("clean_acc:-2pt", "g").crossings(loose)).hasSize(2);
    // a changed sweep config: rates not comparable, nothing judged
    RunComparison changed =
        RunComparison.of("nightly", BEFORE, before, new Side("n2", "x", "hash2"), after, 0.01);
    assertThat(Gate.parse("clean_acc:-2pt", "g").crossings(changed)).isEmpty();
    assertThat(ComparisonOutput.summary(changed, Gate.parse("clean_acc:-2pt", "g"), List.of()))
        .contains("config changed (hash hash1 -> hash2)", "the gate judged nothing");
  }

  @Test
  void rendersTableCsvAndJsonWithTheSameChanges() throws Exception {
    List<ConfigMetrics> before = List.of(row("baseline", 0, 900, 300), row("S_3", 2, 850, 400));
    List<ConfigMetrics> after = List.of(row("baseline", 0, 700, 100), row("E_0_5", 3, 200, 10));
    RunComparison c = RunComparison.of("nightly", BEFORE, before, AFTER, after, 0.01);
    Gate gate = Gate.parse("remnant_acc:-2pt", "--fail-on");
    List<Gate.Crossing> crossings = gate.crossings(c);

    String table = ComparisonOutput.render(c, gate, crossings, Format.TABLE, false);
    assertThat(table)
        .contains("run n2 (latest SUCCEEDED run) against run n1 (previous SUCCEEDED run)")
        .contains("baseline / pgd-linf", "90.00% [", "70.00% [", "-20.00pt", "<0.0001")
        .contains("crossed remnant_acc:-2pt")
        .contains("appeared:    prune E_0_5 / pgd-linf (not in run n1)")
        .contains("disappeared: prune S_3 / pgd-linf (not in run n2)")
        .contains("Gate remnant_acc:-2pt: FAILED, 1 crossed.");

    List<String> csv =
        ComparisonOutput.render(c, gate, crossings, Format.CSV, false).lines().toList();
    assertThat(csv.get(0)).isEqualTo(String.join(",", ComparisonOutput.CSV_COLUMNS));
    // 3 significant changes (clean, remnant, strict_asr; pred_change_rate is constructed equal)
    // + 1 appeared + 1 disappeared
    assertThat(csv).hasSize(1 + c.significant().size() + 2);
    assertThat(csv)
        .anyMatch(
            l ->
                l.startsWith("nightly,n2,n1,baseline,baseline,pgd-linf,")
                    && l.contains(",remnant_acc,0.3,"))
        .anyMatch(l -> l.contains(",appeared,") && l.contains("E_0_5"));

    JsonNode json =
        new ObjectMapper().readTree(ComparisonOutput.render(c, gate, crossings, Format.JSON, true));
    assertThat(json.get("run").get("run_id").asText()).isEqualTo("n2");
    assertThat(json.get("baseline").get("run_id").asText()).isEqualTo("n1");
    assertThat(json.get("changes")).hasSize(4); // --all: every rate of the one common row
    assertThat(json.get("gate").get("failed").asBoolean()).isTrue();
    assertThat(json.get("appeared").get(0).get("config_id").asText()).isEqualTo("E_0_5");
    JsonNode remnant = json.get("changes").get(1);
    assertThat(remnant.get("metric").asText()).isEqualTo("remnant_acc");
    assertThat(remnant.get("before").get("successes").asLong()).isEqualTo(300);
    assertThat(remnant.get("crossed").get(0).asText()).isEqualTo("remnant_acc:-2pt");
    assertThat(ComparisonOutput.csvField("a,\"b\"")).isEqualTo("\"a,\"\"b\"\"\"");
  }

  /** A config row of 1000 samples under pgd-linf: {@code correct} clean, {@code adv} after. */
  static ConfigMetrics row(String config, int order, long correct, long adv) {
    long total = 1000;
    OutcomeCounts k = new OutcomeCounts(total, correct, adv, correct - adv, correct - adv);
    boolean baseline = "baseline".equals(config);
    return new ConfigMetrics(
        config,
        order,
        baseline ? "baseline" : config,
        baseline ? "baseline" : config.substring(0, 1),
        null,
        null,
        "pgd-linf",
        "pgd-linf",
        "pgd-linf eps=0.03",
        0,
        1,
        total,
        correct,
        adv,
        k.changed(),
        k.attacked(),
        interval(k.cleanAcc()),
        interval(k.remnantAcc()),
        interval(k.predChangeRate()),
        interval(k.strictAsr()),
        null,
        null,
        null,
        null,
        null,
        null,
        "linf",
        0.03,
        10,
        null,
        false);
  }

  private static Interval interval(io.adversarialprune.udfs.metrics.Rate r) {
    return new Interval(r.value(), r.lower(), r.upper());
  }

  private static long binomial(Random random, int n, double p) {
    long k = 0;
    for (int i = 0; i < n; i++) {
      k += random.nextDouble() < p ? 1 : 0;
    }
    return k;
  }
}

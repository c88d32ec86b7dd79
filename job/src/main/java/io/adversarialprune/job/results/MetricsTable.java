package io.adversarialprune.job.results;

import io.adversarialprune.job.config.NamedAttack;
import io.adversarialprune.job.plan.ConfigEntry;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.udfs.attack.AttackSpec;
import io.adversarialprune.udfs.attack.AutoAttack;
import io.adversarialprune.udfs.metrics.OutcomeCounts;
import io.adversarialprune.udfs.metrics.Rate;
import io.adversarialprune.udfs.model.ClampGradient;
import io.adversarialprune.udfs.prune.ParameterStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code metrics} and {@code prune_stats} tables of one run, aggregated from its units' {@link
 * UnitInfo}s: per (config, attack, seed) and per (config, attack) over seeds, counts summed and
 * rates (with Wilson intervals) from {@link OutcomeCounts}' own rate methods; plus, when the run
 * has several attacks, per config the {@link SweepPlan#WORST_CASE} rows ({@link WorstCase}).
 *
 * <p>Gradient-masking evidence: for a pruned config of a grid with a baseline, {@code
 * baseline_adv_acc} is the pruned model's accuracy on the baseline's adversarial images of the same
 * samples and attack (transfer from baseline). A defence that only breaks gradients resists its own
 * white-box attack but not images crafted on the unpruned model; {@code masking_suspect} flags a
 * row whose white-box remnant accuracy lies above its transfer-from-baseline accuracy with the two
 * 95 % Wilson intervals apart.
 *
 * <p>An undefined rate, one with nothing to divide by (strict_asr of a config that classifies no
 * image correctly), is stored as null: its value and both ends of its interval. Never NaN, which
 * Spark SQL orders above every number and counts as equal to itself.
 *
 * <p>A feature-map clamp (grid kind A) zeroes the gradient of every clipped activation, so a clamp
 * can look robust under the exact gradient only. For a clamp config, the row of an attack with the
 * exact gradient ({@code clamp-gradient = exact}) is also flagged when its remnant accuracy lies
 * above, intervals apart, that of its straight-through twin: an attack of the sweep with the same
 * spec and {@code clamp-gradient = straight-through} (same seed, or over seeds). Either evidence
 * flags it; {@code masking_suspect} is null only where there is neither a baseline nor a twin.
 *
 * <p>{@code median_min_distance}: for an attack that records distances (FAB-T, autoattack), the
 * median of {@code samples.min_distance} over the row's clean-correct samples that have one (the
 * smallest adversarial perturbation found, in the attack's norm, of any size; the mean of the two
 * middle values for an even count, as Spark SQL's {@code percentile(min_distance, 0.5)}); null for
 * other attacks, the worst case, a row where no sample has one, and a row with a unit committed
 * before distances were recorded.
 *
 * <p>The attack's identity, from its spec, so that queries and checks need not parse {@code
 * attack_label}: {@code norm}, {@code eps}, {@code steps} (a gradient attack's iterations per
 * restart, FGSM's 1), {@code queries} (a gradient-free attack's), and {@code gradient_free} ({@link
 * #gradientFree}); all null for the worst case, and {@code steps} and {@code queries} null for
 * {@code autoattack}, whose members have their own. A row of a run written before these columns
 * reads null in all five.
 */
public final class MetricsTable {
  private MetricsTable() {}

  /** {@code level}: one seed, or over the run's seeds. */
  public static final String SEED = "seed";

  public static final String CONFIG = "config";

  public static final StructType SCHEMA =
      StructType.fromDDL(
          "sweep STRING, run_id STRING, config_id STRING, config_order INT, "
              + "prune STRING, prune_type STRING, prune_value DOUBLE, target STRING, "
              + "attack STRING, attack_type STRING, attack_label STRING, attack_order INT, "
              + "level STRING, seed BIGINT, seeds INT, total BIGINT, correct BIGINT, "
              + "adv_correct BIGINT, changed BIGINT, attacked BIGINT, clean_acc DOUBLE, "
              + "clean_acc_lower DOUBLE, clean_acc_upper DOUBLE, remnant_acc DOUBLE, "
              + "remnant_acc_lower DOUBLE, remnant_acc_upper DOUBLE, pred_change_rate DOUBLE, "
              + "pred_change_rate_lower DOUBLE, pred_change_rate_upper DOUBLE, "
              + "strict_asr DOUBLE, strict_asr_lower DOUBLE, strict_asr_upper DOUBLE, "
              + "baseline_adv_acc DOUBLE, baseline_adv_acc_lower DOUBLE, "
              + "baseline_adv_acc_upper DOUBLE, masking_suspect BOOLEAN, prune_ratio DOUBLE, "
              + "mean_linf DOUBLE, mean_l2 DOUBLE, images_per_sec DOUBLE, "
              + "median_min_distance DOUBLE, norm STRING, eps DOUBLE, steps INT, queries INT, "
              + "gradient_free BOOLEAN");

  public static final StructType PRUNE_STATS =
      StructType.fromDDL(
          "sweep STRING, run_id STRING, config_id STRING, seed BIGINT, parameter STRING, "
              + "elements BIGINT, changed BIGINT, mean_before DOUBLE, std_before DOUBLE, "
              + "mean_after DOUBLE, std_after DOUBLE, normality_p DOUBLE");

  /**
   * A run's aggregated tables.
   *
   * @param metrics every {@code metrics} row (seed and config level)
   * @param configLevel the config-level rows, in plan order (config, then attack, worst case last)
   * @param pruneStats every {@code prune_stats} row
   */
  public record Aggregate(List<Row> metrics, List<Row> configLevel, List<Row> pruneStats) {}

  /**
   * Aggregates a run.
   *
   * @param infos the info of every unit of {@code plan}
   * @param worst per (config, seed) the worst case over the plan's attacks ({@link WorstCase});
   *     ignored (may be empty) when the plan has one attack
   */
  public static Aggregate aggregate(
      String sweep,
      String runId,
      SweepPlan plan,
      Map<Unit, UnitInfo> infos,
      Map<WorstCase.Key, WorstCase.Counts> worst) {
    List<Row> metrics = new ArrayList<>();
    List<Row> configLevel = new ArrayList<>();
    List<Row> pruneStats = new ArrayList<>();
    // (config, attack, seed) -> its units' infos in shard order
    Map<String, List<UnitInfo>> groups = new HashMap<>();
    for (Unit u : plan.units()) {
      UnitInfo info = infos.get(u);
      if (info == null) {
        throw new IllegalStateException("no info for unit " + u.describe());
      }
      groups
          .computeIfAbsent(key(u.configId(), u.attackName(), u.seed()), k -> new ArrayList<>())
          .add(info);
    }
    for (ConfigEntry c : plan.configs()) {
      for (int a = 0; a < plan.attacks().size(); a++) {
        NamedAttack attack = plan.attacks().get(a);
        Column col =
            new Column(attack.name(), attack.spec().type(), label(attack), a, attack.spec());
        NamedAttack twin = straightThroughTwin(c, attack, plan.attacks());
        Sum overSeeds = new Sum();
        for (long seed : plan.seeds()) {
          Sum s = new Sum();
          List<UnitInfo> group = groups.get(key(c.id(), attack.name(), seed));
          group.forEach(s::add);
          UnitInfo first = group.get(0);
          if (twin != null) {
            s.straightThrough = OutcomeCounts.ZERO;
            for (UnitInfo u : groups.get(key(c.id(), twin.name(), seed))) {
              s.straightThrough = s.straightThrough.plus(u.counts());
            }
          }
          // Every shard and attack of a (config, seed) prunes the same model: one report stands.
          if (a == 0) {
            for (ParameterStats p : first.parameters()) {
              pruneStats.add(
                  Tables.PRUNE_STATS
                      .row()
                      .set("sweep", sweep)
                      .set("run_id", runId)
                      .set("config_id", c.id())
                      .set("seed", seed)
                      .set("parameter", p.name())
                      .set("elements", p.elements())
                      .set("changed", p.changed())
                      .set("mean_before", p.meanBefore())
                      .set("std_before", p.stdBefore())
                      .set("mean_after", p.meanAfter())
                      .set("std_after", p.stdAfter())
                      .set("normality_p", p.normalityP())
                      .build());
            }
          }
          s.pruneRatio = first.pruneRatio();
          metrics.add(row(sweep, runId, c, col, SEED, seed, 1, s));
          overSeeds.plus(s);
        }
        Row row = row(sweep, runId, c, col, CONFIG, null, plan.seeds().size(), overSeeds);
        metrics.add(row);
        configLevel.add(row);
      }
      if (plan.attacks().size() > 1) {
        Column col =
            new Column(
                SweepPlan.WORST_CASE,
                SweepPlan.WORST_CASE,
                "per sample, the worst of "
                    + plan.attacks().stream()
                        .map(NamedAttack::name)
                        .collect(Collectors.joining(", ")),
                plan.attacks().size(),
                null);
        Sum overSeeds = new Sum();
        for (long seed : plan.seeds()) {
          Sum s = new Sum();
          WorstCase.Counts w = worst.get(new WorstCase.Key(c.id(), seed));
          if (w == null) {
            throw new IllegalStateException("no worst case for " + c.id() + " seed " + seed);
          }
          s.counts = w.counts();
          s.baselineAdvCorrect = w.baselineAdvCorrect();
          s.pruneRatio =
              groups.get(key(c.id(), plan.attacks().get(0).name(), seed)).get(0).pruneRatio();
          s.distances = false;
          s.minDistances = null;
          metrics.add(row(sweep, runId, c, col, SEED, seed, 1, s));
          overSeeds.plus(s);
        }
        Row row = row(sweep, runId, c, col, CONFIG, null, plan.seeds().size(), overSeeds);
        metrics.add(row);
        configLevel.add(row);
      }
    }
    return new Aggregate(metrics, configLevel, pruneStats);
  }

  /** What a straight-through attack's label adds to its spec's (the report finds twins by it). */
  public static final String STRAIGHT_THROUGH_LABEL =
      ", straight-through gradient through feature-map clamps";

  /** The attack's label; a straight-through one says so (it differs only under a clamp). */
  private static String label(NamedAttack attack) {
    return attack.clampGradient() == ClampGradient.EXACT
        ? attack.spec().label()
        : attack.spec().label() + STRAIGHT_THROUGH_LABEL;
  }

  /**
   * For a clamp config and an attack with the exact gradient, the sweep's first attack with the
   * same spec and the straight-through gradient; else null.
   */
  static NamedAttack straightThroughTwin(
      ConfigEntry c, NamedAttack attack, List<NamedAttack> attacks) {
    if (c.clamp() == null || attack.clampGradient() != ClampGradient.EXACT) {
      return null;
    }
    return attacks.stream()
        .filter(b -> b.clampGradient() == ClampGradient.STRAIGHT_THROUGH)
        .filter(b -> b.spec().equals(attack.spec()))
        .findFirst()
        .orElse(null);
  }

  private static String key(String configId, String attack, long seed) {
    return configId + "/" + attack + "/" + seed;
  }

  /**
   * What a metrics row says about its attack.
   *
   * @param spec the attack's spec, whose identity the row's {@code norm}, {@code eps}, {@code
   *     steps}, {@code queries} and {@code gradient_free} hold; null for the worst case
   */
  private record Column(String name, String type, String label, int order, AttackSpec spec) {

    String norm() {
      return spec == null ? null : spec.norm();
    }

    Double eps() {
      return spec == null ? null : spec.eps();
    }

    Boolean gradientFree() {
      return spec == null ? null : MetricsTable.gradientFree(spec);
    }

    /** {@link AttackSpec#iterations()} of an attack that follows the gradient. */
    Integer steps() {
      return Boolean.FALSE.equals(gradientFree()) && spec.iterations() > 0
          ? spec.iterations()
          : null;
    }

    /** {@link AttackSpec#iterations()} of a gradient-free attack. */
    Integer queries() {
      return Boolean.TRUE.equals(gradientFree()) && spec.iterations() > 0
          ? spec.iterations()
          : null;
    }
  }

  /**
   * The {@code gradient_free} column: true for an attack that makes forward passes only, false for
   * one that follows the input gradient ({@link AttackSpec#gradientFree()}); for an ensemble
   * ({@code autoattack}) true or false when all its members are, and null when it has both kinds
   * (AutoAttack's Square uses no gradient, its other members do). The masking checks compare the
   * gradient-free attacks (true) with those that follow the gradient (false), so a new attack type
   * takes part by its spec alone.
   */
  static Boolean gradientFree(AttackSpec spec) {
    if (spec instanceof AutoAttack ensemble) {
      long free = ensemble.members().stream().filter(AttackSpec::gradientFree).count();
      return free == 0 ? Boolean.FALSE : free == ensemble.members().size() ? Boolean.TRUE : null;
    }
    return spec.gradientFree();
  }

  /** Counts and sums of one row; over seeds the prune ratio is their mean. */
  private static final class Sum {
    OutcomeCounts counts = OutcomeCounts.ZERO;

    /** Null as soon as one part has none. */
    Long baselineAdvCorrect = 0L;

    /** The straight-through twin's counts on the same samples, or null without a twin. */
    OutcomeCounts straightThrough;

    double linf;
    double l2;
    double seconds;
    double pruneRatio;
    int seeds;
    boolean distances = true;

    /** The parts' ascending min distances; null as soon as one part has none. */
    List<float[]> minDistances = new ArrayList<>();

    void add(UnitInfo u) {
      minDistances =
          withAll(minDistances, u.minDistances() == null ? null : List.of(u.minDistances()));
      counts = counts.plus(u.counts());
      baselineAdvCorrect = sumOrNull(baselineAdvCorrect, u.baselineAdvCorrect());
      linf += u.linfSum();
      l2 += u.l2Sum();
      seconds += u.seconds();
    }

    void plus(Sum s) {
      minDistances = withAll(minDistances, s.minDistances);
      counts = counts.plus(s.counts);
      baselineAdvCorrect = sumOrNull(baselineAdvCorrect, s.baselineAdvCorrect);
      if (s.straightThrough != null) {
        straightThrough =
            (straightThrough == null ? OutcomeCounts.ZERO : straightThrough)
                .plus(s.straightThrough);
      }
      linf += s.linf;
      l2 += s.l2;
      seconds += s.seconds;
      pruneRatio = (pruneRatio * seeds + s.pruneRatio) / (seeds + 1);
      seeds++;
      distances = s.distances;
    }
  }

  private static List<float[]> withAll(List<float[]> into, List<float[]> more) {
    if (into == null || more == null) {
      return null;
    }
    into.addAll(more);
    return into;
  }

  /**
   * The median of every value of {@code parts}: the middle one, or the mean of the two middle ones
   * (in double); null when there is none or {@code parts} is null.
   */
  static Double median(List<float[]> parts) {
    if (parts == null) {
      return null;
    }
    int n = parts.stream().mapToInt(p -> p.length).sum();
    if (n == 0) {
      return null;
    }
    float[] all = new float[n];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    java.util.Arrays.sort(all);
    return n % 2 == 1 ? (double) all[n / 2] : ((double) all[n / 2 - 1] + all[n / 2]) / 2;
  }

  /** A rate's value; null when it is absent or undefined (no trials). */
  private static Double value(Rate r) {
    return defined(r) ? r.value() : null;
  }

  private static Double lower(Rate r) {
    return defined(r) ? r.lower() : null;
  }

  private static Double upper(Rate r) {
    return defined(r) ? r.upper() : null;
  }

  private static boolean defined(Rate r) {
    return r != null && r.trials() > 0;
  }

  private static Long sumOrNull(Long a, Long b) {
    return a == null || b == null ? null : a + b;
  }

  private static Row row(
      String sweep,
      String runId,
      ConfigEntry c,
      Column a,
      String level,
      Long seed,
      int seeds,
      Sum s) {
    OutcomeCounts oc = s.counts;
    Rate clean = oc.cleanAcc();
    Rate remnant = oc.remnantAcc();
    Rate change = oc.predChangeRate();
    Rate asr = oc.strictAsr();
    Rate transfer = s.baselineAdvCorrect == null ? null : Rate.of(s.baselineAdvCorrect, oc.total());
    Rate straightThrough = s.straightThrough == null ? null : s.straightThrough.remnantAcc();
    Boolean suspect =
        transfer == null && straightThrough == null
            ? null
            : (transfer != null && remnant.lower() > transfer.upper())
                || (straightThrough != null && remnant.lower() > straightThrough.upper());
    return Tables.METRICS
        .row()
        .set("sweep", sweep)
        .set("run_id", runId)
        .set("config_id", c.id())
        .set("config_order", c.order())
        .set("prune", c.pruneLabel())
        .set("prune_type", c.pruneType())
        .set("prune_value", c.pruneValue())
        .set("target", c.targetName())
        .set("attack", a.name())
        .set("attack_type", a.type())
        .set("attack_label", a.label())
        .set("attack_order", a.order())
        .set("level", level)
        .set("seed", seed)
        .set("seeds", seeds)
        .set("total", oc.total())
        .set("correct", oc.correct())
        .set("adv_correct", oc.advCorrect())
        .set("changed", oc.changed())
        .set("attacked", oc.attacked())
        .set("clean_acc", value(clean))
        .set("clean_acc_lower", lower(clean))
        .set("clean_acc_upper", upper(clean))
        .set("remnant_acc", value(remnant))
        .set("remnant_acc_lower", lower(remnant))
        .set("remnant_acc_upper", upper(remnant))
        .set("pred_change_rate", value(change))
        .set("pred_change_rate_lower", lower(change))
        .set("pred_change_rate_upper", upper(change))
        .set("strict_asr", value(asr))
        .set("strict_asr_lower", lower(asr))
        .set("strict_asr_upper", upper(asr))
        .set("baseline_adv_acc", value(transfer))
        .set("baseline_adv_acc_lower", lower(transfer))
        .set("baseline_adv_acc_upper", upper(transfer))
        .set("masking_suspect", suspect)
        .set("prune_ratio", s.pruneRatio)
        .set("mean_linf", s.distances ? s.linf / oc.total() : null)
        .set("mean_l2", s.distances ? s.l2 / oc.total() : null)
        .set("images_per_sec", s.distances && s.seconds > 0 ? oc.total() / s.seconds : null)
        .set("median_min_distance", median(s.minDistances))
        .set("norm", a.norm())
        .set("eps", a.eps())
        .set("steps", a.steps())
        .set("queries", a.queries())
        .set("gradient_free", a.gradientFree())
        .build();
  }
}

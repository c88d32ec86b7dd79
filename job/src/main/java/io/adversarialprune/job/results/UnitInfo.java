package io.adversarialprune.job.results;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.udfs.anatomy.LayerStats;
import io.adversarialprune.udfs.exec.UnitResult;
import io.adversarialprune.udfs.metrics.OutcomeCounts;
import io.adversarialprune.udfs.metrics.SampleOutcome;
import io.adversarialprune.udfs.prune.ParameterStats;
import io.adversarialprune.udfs.prune.PruneReport;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a committed unit says about itself (JSON in its samples file's footer, see {@link
 * SampleFile}, so it commits with them): the outcome counts and distance sums of its samples,
 * timing, device and the prune report. The driver aggregates the {@code metrics} and {@code
 * prune_stats} tables from these, without re-reading every sample file; {@code SweepTest} checks
 * that the counts equal SQL over the {@code samples} table.
 *
 * @param configId the unit's config
 * @param attack the unit's attack (its name in the sweep)
 * @param seed the unit's seed
 * @param shard the unit's shard
 * @param counts outcome counts of the unit's samples
 * @param baselineAdvCorrect of its samples, how many the unit's model classifies correctly on the
 *     baseline's adversarial image (transfer from baseline); null when the unit judges none
 * @param linfSum sum over samples of L-infinity distance (double precision, shard order)
 * @param l2Sum sum over samples of L2 distance
 * @param seconds attack and evaluation wall time
 * @param device where it ran
 * @param host the executor's host name
 * @param pruneElements parameter elements the prune spec considered
 * @param pruneChanged elements it changed
 * @param parameters per-parameter prune statistics, then a feature-map clamp's per-layer rows
 * @param layers layer anatomy of the unit's samples, per probed layer in network order (empty when
 *     {@code sweep.anatomy} is off)
 * @param minDistances for an attack that records distances ({@code AttackSpec#recordsDistances}),
 *     the {@code min_distance} of each of its clean-correct samples that has one, ascending (what
 *     {@code metrics.median_min_distance} is the median of); null for other attacks, and for a unit
 *     committed by a version of the job before distances were recorded
 */
public record UnitInfo(
    String configId,
    String attack,
    long seed,
    int shard,
    OutcomeCounts counts,
    Long baselineAdvCorrect,
    double linfSum,
    double l2Sum,
    double seconds,
    String device,
    String host,
    long pruneElements,
    long pruneChanged,
    List<ParameterStats> parameters,
    Map<String, LayerStats> layers,
    float[] minDistances)
    implements Serializable {

  // Layer statistics of a model whose activations overflow are infinite: allow them back in.
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  /** Summarizes one computed unit: its row's counts and timing, plus the samples' distance sums. */
  public static UnitInfo of(
      Unit unit,
      UnitResult result,
      int[] baselineAdvPred,
      String device,
      String host,
      PruneReport report) {
    double linf = 0;
    double l2 = 0;
    float[] distances = new float[result.samples().size()];
    int found = 0;
    for (SampleOutcome s : result.samples()) {
      linf += s.linf();
      l2 += s.l2();
      if (s.correct() && s.hasDistance()) {
        distances[found++] = s.minDistance();
      }
    }
    distances = java.util.Arrays.copyOf(distances, found);
    java.util.Arrays.sort(distances);
    Long baselineAdvCorrect = null;
    if (baselineAdvPred != null) {
      long correct = 0;
      for (int i = 0; i < baselineAdvPred.length; i++) {
        correct += baselineAdvPred[i] == result.samples().get(i).label() ? 1 : 0;
      }
      baselineAdvCorrect = correct;
    }
    return new UnitInfo(
        unit.configId(),
        unit.attackName(),
        unit.seed(),
        unit.shard(),
        result.counts(),
        baselineAdvCorrect,
        linf,
        l2,
        result.seconds(),
        device,
        host,
        report.elements(),
        report.changed(),
        report.rows(),
        result.layers(),
        unit.attack().spec().recordsDistances() ? distances : null);
  }

  /** Whether this info is about {@code unit} (a file's footer against its directory). */
  public boolean describes(Unit unit) {
    return configId.equals(unit.configId())
        && attack.equals(unit.attackName())
        && seed == unit.seed()
        && shard == unit.shard();
  }

  /** The fraction of considered elements the prune changed (0 when none were considered). */
  public double pruneRatio() {
    return pruneElements == 0 ? 0 : (double) pruneChanged / pruneElements;
  }

  /** As JSON. */
  public byte[] toJson() throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("config_id", configId);
    n.put("attack", attack);
    n.put("seed", seed);
    n.put("shard", shard);
    n.put("total", counts.total());
    n.put("correct", counts.correct());
    n.put("adv_correct", counts.advCorrect());
    n.put("changed", counts.changed());
    n.put("attacked", counts.attacked());
    if (baselineAdvCorrect != null) {
      n.put("baseline_adv_correct", baselineAdvCorrect);
    }
    n.put("linf_sum", linfSum);
    n.put("l2_sum", l2Sum);
    n.put("seconds", seconds);
    n.put("device", device);
    n.put("host", host);
    n.put("prune_elements", pruneElements);
    n.put("prune_changed", pruneChanged);
    ArrayNode params = n.putArray("parameters");
    for (ParameterStats p : parameters) {
      ObjectNode o = params.addObject();
      o.put("parameter", p.name());
      o.put("elements", p.elements());
      o.put("changed", p.changed());
      o.put("mean_before", p.meanBefore());
      o.put("std_before", p.stdBefore());
      o.put("mean_after", p.meanAfter());
      o.put("std_after", p.stdAfter());
      if (p.normalityP() != null) {
        o.put("normality_p", p.normalityP());
      }
    }
    if (minDistances != null) {
      ArrayNode out = n.putArray("min_distances");
      for (float d : minDistances) {
        out.add(d);
      }
    }
    if (!layers.isEmpty()) {
      ArrayNode out = n.putArray("layers");
      layers.forEach((name, l) -> LayersTable.toJson(out.addObject().put("layer", name), l));
    }
    return JSON.writeValueAsBytes(n);
  }

  /**
   * Parses {@link #toJson()}'s bytes.
   *
   * @param where the file they came from, for error messages
   * @throws IOException when the file is not JSON or lacks a field (e.g. written by a version of
   *     the job before the counts were recorded: such a run cannot be resumed, start a new run id)
   */
  public static UnitInfo parse(byte[] json, String where) throws IOException {
    JsonNode n = JSON.readTree(json);
    for (String field :
        List.of(
            "config_id",
            "attack",
            "seed",
            "shard",
            "total",
            "correct",
            "adv_correct",
            "changed",
            "attacked",
            "linf_sum",
            "l2_sum",
            "seconds",
            "prune_elements",
            "prune_changed",
            "parameters")) {
      if (n == null || !n.has(field)) {
        throw new IOException(
            where
                + " has no field "
                + field
                + " (written by an older version of the job?);"
                + " run the sweep again with a new --run-id");
      }
    }
    List<ParameterStats> params = new ArrayList<>();
    for (JsonNode p : n.get("parameters")) {
      params.add(
          new ParameterStats(
              p.get("parameter").asText(),
              p.get("elements").asLong(),
              p.get("changed").asLong(),
              p.get("mean_before").asDouble(),
              p.get("std_before").asDouble(),
              p.get("mean_after").asDouble(),
              p.get("std_after").asDouble(),
              p.has("normality_p") ? p.get("normality_p").asDouble() : null));
    }
    Map<String, LayerStats> layers = new LinkedHashMap<>();
    for (JsonNode l : n.path("layers")) {
      layers.put(l.get("layer").asText(), LayersTable.fromJson(l));
    }
    float[] minDistances = null;
    if (n.has("min_distances")) {
      JsonNode d = n.get("min_distances");
      minDistances = new float[d.size()];
      for (int i = 0; i < minDistances.length; i++) {
        minDistances[i] = (float) d.get(i).asDouble();
      }
    }
    return new UnitInfo(
        n.get("config_id").asText(),
        n.get("attack").asText(),
        n.get("seed").asLong(),
        n.get("shard").asInt(),
        new OutcomeCounts(
            n.get("total").asLong(),
            n.get("correct").asLong(),
            n.get("adv_correct").asLong(),
            n.get("changed").asLong(),
            n.get("attacked").asLong()),
        n.has("baseline_adv_correct") ? n.get("baseline_adv_correct").asLong() : null,
        n.get("linf_sum").asDouble(),
        n.get("l2_sum").asDouble(),
        n.get("seconds").asDouble(),
        n.path("device").asText(null),
        n.path("host").asText(null),
        n.get("prune_elements").asLong(),
        n.get("prune_changed").asLong(),
        List.copyOf(params),
        layers,
        minDistances);
  }
}

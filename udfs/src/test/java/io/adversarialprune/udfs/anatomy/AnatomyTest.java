package io.adversarialprune.udfs.anatomy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.Probes;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Anatomy#measure} on the probe fixture model against make_probe_fixtures.py. */
class AnatomyTest {

  private static final JsonObject FIXTURES = Fixtures.probeFixtures();

  @Test
  void measuredStatisticsMatchPyTorchsHookedActivations() {
    try (Classifier model = Fixtures.loadProbeTiny()) {
      List<LayerStats> stats =
          Anatomy.measure(
              Probes.of(model),
              Fixtures.floats(FIXTURES.get("x")),
              Fixtures.floats(FIXTURES.get("x_adv")),
              FIXTURES.get("tolerance").getAsDouble());
      JsonArray layers = FIXTURES.getAsJsonArray("layers");
      assertThat(stats).hasSize(layers.size());
      for (int i = 0; i < stats.size(); i++) {
        JsonObject layer = layers.get(i).getAsJsonObject();
        // Float activations from another engine: relative 1e-4 (the change counts are exact; no
        // difference in the fixture lies within 2e-6 of the tolerance).
        LayerStatsTest.assertMatches(
            stats.get(i), layer.getAsJsonObject("stats"), layer.get("name").getAsString(), 1e-4);
      }
    }
  }

  @Test
  void batchesMeasuredApartMergeToTheWholeBatch() {
    float[] x = Fixtures.floats(FIXTURES.get("x"));
    float[] adv = Fixtures.floats(FIXTURES.get("x_adv"));
    int per = Fixtures.SHAPE.pixels();
    double tolerance = FIXTURES.get("tolerance").getAsDouble();
    try (Classifier model = Fixtures.loadProbeTiny()) {
      Probes probes = Probes.of(model);
      List<LayerStats> whole = Anatomy.measure(probes, x, adv, tolerance);
      List<LayerStats> merged =
          Anatomy.merge(
              Anatomy.measure(
                  probes,
                  Arrays.copyOfRange(x, 0, per),
                  Arrays.copyOfRange(adv, 0, per),
                  tolerance),
              Anatomy.measure(
                  probes,
                  Arrays.copyOfRange(x, per, 4 * per),
                  Arrays.copyOfRange(adv, per, 4 * per),
                  tolerance));
      for (int i = 0; i < whole.size(); i++) {
        LayerStats w = whole.get(i);
        LayerStats m = merged.get(i);
        assertThat(m.samples()).isEqualTo(w.samples());
        assertThat(m.changed()).isEqualTo(w.changed());
        assertThat(m.relativeL2()).isCloseTo(w.relativeL2(), within(1e-5 * w.relativeL2()));
        assertThat(m.advTail()).isCloseTo(w.advTail(), within(1e-5 * w.advTail()));
      }
    }
  }
}

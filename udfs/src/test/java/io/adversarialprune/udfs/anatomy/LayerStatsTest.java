package io.adversarialprune.udfs.anatomy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link LayerStats} against make_probe_fixtures.py's numpy computation, and its merging. */
class LayerStatsTest {

  private static final JsonObject FIXTURES = Fixtures.probeFixtures();
  private static final double TOLERANCE = FIXTURES.get("tolerance").getAsDouble();

  @Test
  void statisticsOfTheHookedActivationsMatchNumpy() {
    for (var e : FIXTURES.getAsJsonArray("layers")) {
      JsonObject layer = e.getAsJsonObject();
      LayerStats s =
          LayerStats.of(
              Fixtures.floats(layer.get("clean")), Fixtures.floats(layer.get("adv")), 4, TOLERANCE);
      assertMatches(s, layer.getAsJsonObject("stats"), layer.get("name").getAsString(), 1e-9);
      assertThat(s.changed()).isEqualTo(layer.getAsJsonObject("stats").get("changed").getAsLong());
    }
  }

  @Test
  void mergedBatchesGiveTheStatisticsOfTheWholeBatch() {
    for (var e : FIXTURES.getAsJsonArray("layers")) {
      JsonObject layer = e.getAsJsonObject();
      float[] clean = Fixtures.floats(layer.get("clean"));
      float[] adv = Fixtures.floats(layer.get("adv"));
      int half = clean.length / 4;
      LayerStats whole = LayerStats.of(clean, adv, 4, TOLERANCE);
      LayerStats parts =
          LayerStats.empty(TOLERANCE)
              .merge(LayerStats.of(slice(clean, 0, half), slice(adv, 0, half), 1, TOLERANCE))
              .merge(
                  LayerStats.of(
                      slice(clean, half, 4 * half), slice(adv, half, 4 * half), 3, TOLERANCE))
              .merge(LayerStats.empty(TOLERANCE));
      assertMatches(parts, layer.getAsJsonObject("stats"), layer.get("name").getAsString(), 1e-9);
      assertThat(parts.samples()).isEqualTo(whole.samples());
      assertThat(parts.elements()).isEqualTo(whole.elements());
      assertThat(parts.changed()).isEqualTo(whole.changed());
      assertThat(parts.cleanMaxAbs()).isEqualTo(whole.cleanMaxAbs());
    }
  }

  @Test
  void tailIsTheMeanOfEachImagesLargestOnePercent() {
    assertThat(LayerStats.tailSize(10)).isEqualTo(1);
    assertThat(LayerStats.tailSize(100)).isEqualTo(1);
    assertThat(LayerStats.tailSize(101)).isEqualTo(2);
    assertThat(LayerStats.tailSize(300)).isEqualTo(3);
    assertThat(LayerStats.tailSize(12544)).isEqualTo(126);
    SplittableRandom random = new SplittableRandom(19);
    for (int m : new int[] {1, 2, 7, 100, 257, 1000, 4096}) {
      float[] x = new float[m];
      for (int i = 0; i < m; i++) {
        // Repeated values too: ties must not upset the heap.
        x[i] = (float) Math.round(random.nextGaussian() * 8) / 4;
      }
      int k = LayerStats.tailSize(m);
      float[] sorted = new float[m];
      for (int i = 0; i < m; i++) {
        sorted[i] = Math.abs(x[i]);
      }
      Arrays.sort(sorted);
      double expected = 0;
      for (int i = m - k; i < m; i++) {
        expected += sorted[i];
      }
      float[] before = x.clone();
      double got = LayerStats.tailMean(x, 0, m, new float[k]);
      assertThat(got).as("m = %d", m).isCloseTo(expected / k, within(1e-12));
      assertThat(x).containsExactly(before);
    }
  }

  @Test
  void ratiosOfZeroAndEmptyValuesAreDefined() {
    float[] zeros = new float[8];
    float[] ones = new float[8];
    Arrays.fill(ones, 1f);
    LayerStats unchanged = LayerStats.of(zeros, zeros, 2, 0);
    assertThat(unchanged.relativeL2()).isZero();
    assertThat(unchanged.maxRatio()).isZero();
    assertThat(unchanged.changedFraction()).isZero();
    LayerStats fromZero = LayerStats.of(zeros, ones, 2, 0);
    assertThat(fromZero.relativeL2()).isInfinite();
    assertThat(fromZero.tailRatio()).isInfinite();
    assertThat(fromZero.changedFraction()).isEqualTo(1.0);
    LayerStats empty = LayerStats.empty(0);
    assertThat(empty.cleanStd()).isNaN();
    assertThat(empty.relativeL2()).isNaN();
    assertThat(empty.cleanTail()).isNaN();
  }

  @Test
  void changeWithinTheToleranceIsNotCounted() {
    float[] clean = {1f, 2f, 3f, 4f};
    float[] adv = {1f, 2.5f, 3.0000002f, 4f};
    assertThat(LayerStats.of(clean, adv, 1, 0).changed()).isEqualTo(2);
    assertThat(LayerStats.of(clean, adv, 1, 1e-6).changed()).isEqualTo(1);
  }

  @Test
  void badInputIsRefused() {
    assertThatThrownBy(() -> LayerStats.of(new float[4], new float[3], 1, 0))
        .hasMessageContaining("4 and 3");
    assertThatThrownBy(() -> LayerStats.of(new float[4], new float[4], 3, 0))
        .hasMessageContaining("3 images");
    assertThatThrownBy(() -> LayerStats.empty(-1)).hasMessageContaining("tolerance");
    assertThatThrownBy(() -> LayerStats.empty(0).merge(LayerStats.empty(1e-6)))
        .hasMessageContaining("tolerance 0.0 and 1.0E-6");
  }

  @Test
  void samplesWithoutElementsAreRefused() {
    assertThatThrownBy(() -> new LayerStats(0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        .hasMessageContaining("got samples 2, elements 0");
  }

  @Test
  void mergingTheEmptyValueChangesNothing() {
    LayerStats s = LayerStats.of(new float[] {1f, -2f, 3f, 4f}, new float[] {1f, 2f, 3f, 5f}, 2, 0);
    assertThat(s.merge(LayerStats.empty(0))).isEqualTo(s);
    assertThat(LayerStats.empty(0).merge(s)).isEqualTo(s);
  }

  /** Every statistic of {@code s} against the fixture's, to {@code rel} relative. */
  static void assertMatches(LayerStats s, JsonObject expected, String layer, double rel) {
    assertThat(s.samples()).as(layer).isEqualTo(expected.get("samples").getAsLong());
    assertThat(s.elements()).as(layer).isEqualTo(expected.get("elements").getAsLong());
    close(s.cleanMean(), expected, "cleanMean", layer, rel);
    close(s.cleanStd(), expected, "cleanStd", layer, rel);
    close(s.advMean(), expected, "advMean", layer, rel);
    close(s.advStd(), expected, "advStd", layer, rel);
    close(s.relativeL2(), expected, "relativeL2", layer, rel);
    close(s.changedFraction(), expected, "changedFraction", layer, rel);
    close(s.maxRatio(), expected, "maxRatio", layer, rel);
    close(s.cleanTail(), expected, "cleanTail", layer, rel);
    close(s.advTail(), expected, "advTail", layer, rel);
  }

  private static void close(
      double actual, JsonObject expected, String key, String layer, double rel) {
    double e = expected.get(key).getAsDouble();
    assertThat(actual).as("%s %s", layer, key).isCloseTo(e, within(rel * Math.abs(e) + 1e-12));
  }

  private static float[] slice(float[] a, int from, int to) {
    return Arrays.copyOfRange(a, from, to);
  }
}

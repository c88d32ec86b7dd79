package io.adversarialprune.job.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The layer anatomy chart with a real model's probe names (a DenseNet's: ~27 characters). */
class LayerChartsTest {
  private static List<LayerLine> layers(List<String> names) {
    List<LayerLine> out = new ArrayList<>();
    for (String prune : List.of("baseline", "E=0.01")) {
      for (int i = 0; i < names.size(); i++) {
        out.add(
            new LayerLine(
                prune.equals("baseline") ? "baseline" : "E_0.01",
                prune.equals("baseline") ? 0 : 1,
                prune,
                null,
                "pgd",
                0,
                names.get(i),
                i,
                0.1 * (i + 1),
                0.5,
                1.0,
                1.0,
                0.5,
                0.4));
      }
    }
    return out;
  }

  @Test
  void longProbeNamesAreNumberedAndDrawInSeconds() {
    // Before: four names of 25 characters kept XChart's tick layout busy for over a minute.
    for (int n : new int[] {4, 16, 64}) {
      List<String> names = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        names.add("features.denseblock" + (i % 4 + 1) + ".denselayer" + i);
      }
      List<Charts.Chart> charts =
          assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Charts.forLayers(layers(names)));
      assertThat(charts).hasSize(1);
      assertThat(Charts.tickLabels(layers(names).subList(0, n))).startsWith("0", "1");
    }
  }

  @Test
  void namesThatFitAreDrawnAsThemselvesEvenMany() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      names.add(String.format(java.util.Locale.ROOT, "layer%05d", i));
    }
    List<Charts.Chart> charts =
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Charts.forLayers(layers(names)));
    assertThat(charts).hasSize(1);
    assertThat(Charts.tickLabels(layers(names).subList(0, 64))).isEqualTo(names);
  }

  @Test
  void tickLabelsAreRoundedToThreeSignificantDigits() {
    // before: XChart printed the data's own extremes raw, ".049294164713951"
    assertThat(Charts.tick(0.049294164713951)).isEqualTo("0.0493");
    assertThat(Charts.tick(0.475704406469681)).isEqualTo("0.476");
    assertThat(Charts.tick(0.0002)).isEqualTo("0.0002");
    assertThat(Charts.tick(0.6)).isEqualTo("0.6");
    assertThat(Charts.tick(100)).isEqualTo("100");
    assertThat(Charts.tick(0)).isEqualTo("0");
  }

  @Test
  void chartColoursNeverRepeat() {
    // before: four colours, cycled, so the fifth series (after none, E, S, R) was blue again
    List<java.awt.Color> colors = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      colors.add(Charts.color(i));
    }
    assertThat(colors).doesNotHaveDuplicates();
  }

  @Test
  void layerChartsExposeTheirPointsAndColours() throws Exception {
    List<String> names = List.of("conv1", "layer1", "layer2", "logits");
    Charts.Chart chart = Charts.forLayers(layers(names)).get(0);
    assertThat(chart.points()).isEqualTo(4);
    assertThat(chart.colors()).hasSize(2).doesNotHaveDuplicates();
  }
}

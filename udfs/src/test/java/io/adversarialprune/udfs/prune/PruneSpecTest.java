package io.adversarialprune.udfs.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PruneSpecTest {

  @Test
  void parsesTypesCaseInsensitively() {
    assertThat(PruneType.parse("e")).isEqualTo(PruneType.E);
    assertThat(PruneType.parse(" None ")).isEqualTo(PruneType.NONE);
    assertThatThrownBy(() -> PruneType.parse("Q"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'Q'")
        .hasMessageContaining("[NONE, E, S, R]");
  }

  @Test
  void rejectsBadValues() {
    assertThatThrownBy(() -> new PruneStep(PruneType.E, -1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("prune value for E must be >= 0, got -1.0");
    assertThatThrownBy(() -> new PruneStep(PruneType.R, Double.NaN))
        .hasMessageContaining("prune value for R must be finite, got NaN");
    assertThatThrownBy(() -> new PruneStep(PruneType.S, Double.POSITIVE_INFINITY))
        .hasMessageContaining("prune value for S");
    assertThatThrownBy(() -> new PruneStep(PruneType.NONE, 0.5))
        .hasMessageContaining("prune value for NONE must be 0");
  }

  @Test
  void rejectsDuplicateTypes() {
    assertThatThrownBy(
            () -> PruneSpec.of(new PruneStep(PruneType.E, 0.1), new PruneStep(PruneType.E, 0.2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate prune step type E");
  }

  @Test
  void rejectsBadRegexNamingTheField() {
    assertThatThrownBy(() -> new PruneSpec(List.of(), "conv(", null, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prune include");
  }

  @Test
  void sortsStepsInStudyOrderAndLabels() {
    PruneSpec spec =
        PruneSpec.of(
            new PruneStep(PruneType.R, 0.001),
            new PruneStep(PruneType.NONE, 0),
            new PruneStep(PruneType.E, 0.01));
    assertThat(spec.steps()).extracting(PruneStep::type).containsExactly(PruneType.E, PruneType.R);
    assertThat(spec.label()).isEqualTo("E=0.01+R=0.001");
    assertThat(PruneSpec.none().label()).isEqualTo("none");
    assertThat(PruneSpec.of(new PruneStep(PruneType.S, 3.0)).label()).isEqualTo("S=3");
    assertThat(PruneSpec.of(new PruneStep(PruneType.E, 1e-5)).label()).isEqualTo("E=0.00001");
  }

  @Test
  void selectsByIncludeAndExclude() {
    PruneSpec spec = new PruneSpec(List.of(), "^conv|fc", "bias$", true);
    assertThat(spec.selects("conv1.weight")).isTrue();
    assertThat(spec.selects("fc.bias")).isFalse();
    assertThat(spec.selects("bn1.weight")).isFalse();
  }
}

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
    assertThat(PruneType.parse("l1g")).isEqualTo(PruneType.L1G);
    assertThat(PruneType.parse("random")).isEqualTo(PruneType.RANDOM);
    assertThatThrownBy(() -> PruneType.parse("L3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'L3'")
        .hasMessageContaining("[NONE, E, S, R, L1, L1G, LN1, LN2, RANDOM, Q, QC]");
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
  void amountsAreFractions() {
    assertThat(new PruneStep(PruneType.L1, 0).label()).isEqualTo("L1=0");
    assertThat(new PruneStep(PruneType.RANDOM, 1).label()).isEqualTo("RANDOM=1");
    for (PruneType t :
        List.of(PruneType.L1, PruneType.L1G, PruneType.LN1, PruneType.LN2, PruneType.RANDOM)) {
      assertThatThrownBy(() -> new PruneStep(t, 1.5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "prune value for "
                  + t
                  + " is the fraction to prune and must be in [0, 1],"
                  + " got 1.5");
      assertThatThrownBy(() -> new PruneStep(t, -0.1)).hasMessageContaining("must be in [0, 1]");
    }
  }

  @Test
  void quantizationTakesWholeBits() {
    assertThat(new PruneStep(PruneType.Q, 8).label()).isEqualTo("Q=8");
    assertThat(new PruneStep(PruneType.QC, 2).label()).isEqualTo("QC=2");
    for (double bad : new double[] {7.5, 1, 17}) {
      assertThatThrownBy(() -> new PruneStep(PruneType.QC, bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "prune value for QC is the number of bits and must be an integer in"
                  + " [2, 16], got "
                  + bad);
    }
  }

  @Test
  void quantizesOnce() {
    assertThatThrownBy(
            () -> PruneSpec.of(new PruneStep(PruneType.Q, 8), new PruneStep(PruneType.QC, 8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Q and QC do not combine");
  }

  @Test
  void ordersTorchKindsAfterTheStudysAndQuantizationLast() {
    PruneSpec spec =
        PruneSpec.of(
            new PruneStep(PruneType.QC, 8),
            new PruneStep(PruneType.RANDOM, 0.1),
            new PruneStep(PruneType.LN2, 0.2),
            new PruneStep(PruneType.R, 0.001),
            new PruneStep(PruneType.L1G, 0.3),
            new PruneStep(PruneType.E, 0.01));
    assertThat(spec.label()).isEqualTo("E=0.01+R=0.001+L1G=0.3+LN2=0.2+RANDOM=0.1+QC=8");
    // Path-safe once '=' is replaced, as the job's config ids are made.
    assertThat(spec.label().replace('=', '_')).matches("[A-Za-z0-9._+-]+");
  }

  @Test
  void torchKindsSelectConvAndLinearWeightsOnly() {
    PruneSpec spec = new PruneSpec(List.of(), null, "^fc", true);
    assertThat(spec.selects(PruneType.L1, "conv1.weight", 4)).isTrue();
    assertThat(spec.selects(PruneType.QC, "layer1.0.conv1.weight", 4)).isTrue();
    assertThat(spec.selects(PruneType.L1, "bn1.weight", 1)).isFalse();
    assertThat(spec.selects(PruneType.L1, "conv1.bias", 1)).isFalse();
    assertThat(spec.selects(PruneType.L1, "fc.weight", 2)).isFalse(); // excluded by name
    assertThat(spec.selects(PruneType.E, "bn1.weight", 1)).isTrue();
    assertThat(spec.selects(PruneType.E, "conv1.bias", 1)).isTrue();
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
    assertThat(PruneSpec.none().label()).isEqualTo("baseline");
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

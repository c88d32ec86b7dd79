package io.adversarialprune.udfs.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void wilsonIntervalMatchesKnownValues() {
    // k=5, n=10, z=1.96: [0.2366, 0.7634] (computed independently in Python).
    double[] i = Wilson.interval(5, 10, 1.96);
    assertThat(i[0]).isCloseTo(0.23658959, offset(1e-8));
    assertThat(i[1]).isCloseTo(0.76341041, offset(1e-8));
    // k=0: lower is exactly 0, upper z^2 / (n + z^2).
    double[] zero = Wilson.interval(0, 20, Wilson.Z95);
    assertThat(zero[0]).isEqualTo(0);
    assertThat(zero[1])
        .isCloseTo(Wilson.Z95 * Wilson.Z95 / (20 + Wilson.Z95 * Wilson.Z95), offset(1e-12));
    assertThat(Wilson.interval(20, 20, Wilson.Z95)[1]).isEqualTo(1);
    assertThat(Wilson.interval(0, 0, Wilson.Z95)).containsExactly(0, 1);
    assertThatThrownBy(() -> Wilson.interval(3, 2, Wilson.Z95))
        .hasMessageContaining("0 <= successes <= trials, got 3 of 2");
  }

  @Test
  void countsNameTheFourMetricsCorrectly() {
    List<SampleOutcome> outcomes =
        List.of(
            outcome(1, 3, 3, 3), // correct, stays correct
            outcome(2, 3, 3, 4), // correct, attacked, changed
            outcome(3, 3, 5, 5), // wrong, unchanged
            outcome(4, 3, 5, 3)); // wrong, changed to correct
    OutcomeCounts counts = OutcomeCounts.of(outcomes);
    assertThat(counts).isEqualTo(new OutcomeCounts(4, 2, 2, 2, 1));
    assertThat(counts.cleanAcc().value()).isEqualTo(0.5);
    assertThat(counts.remnantAcc().value()).isEqualTo(0.5);
    assertThat(counts.predChangeRate().value()).isEqualTo(0.5);
    assertThat(counts.strictAsr())
        .satisfies(
            r -> {
              assertThat(r.successes()).isEqualTo(1);
              assertThat(r.trials()).isEqualTo(2);
              assertThat(r.value()).isEqualTo(0.5);
              assertThat(r.lower()).isLessThan(0.5);
              assertThat(r.upper()).isGreaterThan(0.5);
            });
    assertThat(counts.plus(counts)).isEqualTo(new OutcomeCounts(8, 4, 4, 4, 2));
    assertThat(OutcomeCounts.ZERO.plus(counts)).isEqualTo(counts);
  }

  @Test
  void emptyTrialsGiveNanAndTheWholeInterval() {
    Rate r = OutcomeCounts.ZERO.strictAsr();
    assertThat(r.value()).isNaN();
    assertThat(r.lower()).isEqualTo(0);
    assertThat(r.upper()).isEqualTo(1);
  }

  @Test
  void inconsistentCountsAreRejected() {
    assertThatThrownBy(() -> new OutcomeCounts(2, 1, 0, 0, 2))
        .hasMessageContaining("inconsistent outcome counts");
  }

  private static SampleOutcome outcome(long id, int label, int clean, int adv) {
    return new SampleOutcome(id, label, clean, adv, 0.1f, 0.2f, 0.03f, 0.1f, null, Float.NaN);
  }
}

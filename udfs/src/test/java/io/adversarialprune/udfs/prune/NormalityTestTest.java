package io.adversarialprune.udfs.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Reference p-values from scipy 1.10's {@code stats.normaltest} on the same float64 data. */
class NormalityTestTest {

  @Test
  void matchesScipyOnSquares() {
    double[] a = new double[20];
    for (int i = 0; i < a.length; i++) {
      a[i] = i * i;
    }
    assertThat(NormalityTest.dAgostinoPearsonP(a)).isCloseTo(0.2730072773103234, within(1e-12));
  }

  @Test
  void matchesScipyOnTinyP() {
    double[] b = new double[100];
    for (int i = 0; i < b.length; i++) {
      b[i] = Math.sin(i);
    }
    double p = NormalityTest.dAgostinoPearsonP(b);
    assertThat(Math.abs(p / 1.6888702257496566e-45 - 1)).isLessThan(1e-6);
  }

  @Test
  void matchesScipyAtTheMinimumSize() {
    double[] c = {1, 2, 3, 4, 5, 6, 7, 100};
    double p = NormalityTest.dAgostinoPearsonP(c);
    assertThat(Math.abs(p / 1.1835868787513521e-05 - 1)).isLessThan(1e-6);
  }

  @Test
  void refusesFewerThanEightValues() {
    assertThatThrownBy(() -> NormalityTest.dAgostinoPearsonP(new float[7]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 8");
  }
}

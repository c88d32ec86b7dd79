package io.adversarialprune.udfs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adversarialprune.udfs.metrics.Wilson;
import org.junit.jupiter.api.Test;

class WilsonUdfsTest {

  @Test
  void udfsReturnTheWilsonBounds() throws Exception {
    double[] expected = Wilson.interval(947, 1000, Wilson.Z95);
    assertThat(new WilsonUdfs.Lower().call(947L, 1000L)).isEqualTo(expected[0]);
    assertThat(new WilsonUdfs.Upper().call(947L, 1000L)).isEqualTo(expected[1]);
    assertThat(new WilsonUdfs.Lower().call(0L, 0L)).isEqualTo(0.0);
    assertThat(new WilsonUdfs.Upper().call(0L, 0L)).isEqualTo(1.0);
    assertThat(new WilsonUdfs.Lower().call(null, 10L)).isNull();
    assertThat(new WilsonUdfs.Upper().call(3L, null)).isNull();
    assertThatThrownBy(() -> new WilsonUdfs.Lower().call(11L, 10L))
        .hasMessageContaining("got 11 of 10");
    assertThat(WilsonUdfs.LOWER).isEqualTo("wilson_lower");
    assertThat(WilsonUdfs.UPPER).isEqualTo("wilson_upper");
  }
}

package io.adversarialprune.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClampBoundsTest {

  @Test
  void noneIsInfiniteOnEveryLayer() {
    ClampBounds none = ClampBounds.none(3);
    assertThat(none.size()).isEqualTo(3);
    assertThat(none.lower(2)).containsExactly(Float.NEGATIVE_INFINITY);
    assertThat(none.upper(0)).containsExactly(Float.POSITIVE_INFINITY);
  }

  @Test
  void boundsAreCopiedInAndOut() {
    float[] lower = {-1f, -2f};
    ClampBounds b = new ClampBounds(List.of(lower), List.of(new float[] {1f, 2f}));
    lower[0] = 5f;
    b.lower(0)[1] = 7f;
    assertThat(b.lower(0)).containsExactly(-1f, -2f);
    assertThat(b).isEqualTo(new ClampBounds(List.of(new float[] {-1f, -2f}), List.of(b.upper(0))));
  }

  @Test
  void malformedBoundsAreRefusedNamingLayerAndChannel() {
    assertThatThrownBy(() -> new ClampBounds(List.of(new float[] {0f}), List.of()))
        .hasMessageContaining("1 and 0");
    assertThatThrownBy(
            () -> new ClampBounds(List.of(new float[] {0f}), List.of(new float[] {1f, 1f})))
        .hasMessageContaining("layer 0");
    assertThatThrownBy(
            () ->
                new ClampBounds(
                    List.of(new float[] {0f}, new float[] {0f, 2f}),
                    List.of(new float[] {1f}, new float[] {1f, 1f})))
        .hasMessageContaining("layer 1 channel 1 are [2.0, 1.0]");
    assertThatThrownBy(
            () -> new ClampBounds(List.of(new float[] {Float.NaN}), List.of(new float[] {1f})))
        .hasMessageContaining("layer 0 channel 0");
  }
}

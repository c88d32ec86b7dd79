package io.adversarialprune.udfs.attack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AttackSupportTest {

  @Test
  void earlyStopShrinksTheBatchOnlyToBucketsOfHalvedSizes() {
    AttackSupport.Rows rows = new AttackSupport.Rows(100, 100);
    for (int p = 0; p < 49; p++) {
      rows.stop(p);
    }
    assertThat(rows.shrink()).as("51 live rows do not fit 50").isNull();
    rows.stop(49);
    int[] keep = rows.shrink();
    assertThat(keep).as("50 live rows fit the bucket of 50").hasSize(50);
    assertThat(keep).containsExactly(java.util.stream.IntStream.range(50, 100).toArray());
    assertThat(rows.size()).isEqualTo(50);
    assertThat(rows.sample(0)).isEqualTo(50);
    // 12 live of 50: the bucket is ceil(ceil(100/2)/2)/2 = 13, live rows first, dead as filler.
    for (int p = 0; p < 38; p++) {
      rows.stop(p);
    }
    keep = rows.shrink();
    assertThat(keep).hasSize(13);
    assertThat(rows.live()).isEqualTo(12);
    int alive = 0;
    for (int p = 0; p < rows.size(); p++) {
      alive += rows.alive(p) ? 1 : 0;
    }
    assertThat(alive).isEqualTo(12);
    // Samples 88..99 live, and the first dead row (sample 50) as filler, in row order.
    assertThat(rows.samples()).containsExactly(50, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99);
    assertThat(rows.alive(0)).isFalse();
  }

  @Test
  void restartBatchesArePaddedToTheBucketsEarlyStopShrinksThrough() {
    assertThat(
            java.util.stream.IntStream.rangeClosed(1, 100)
                .map(live -> AttackSupport.bucket(100, live))
                .distinct()
                .toArray())
        .containsExactly(1, 2, 4, 7, 13, 25, 50, 100);
    assertThat(AttackSupport.restartRows(new int[] {4, 9, 30}, 100)).containsExactly(4, 9, 30, 4);
    assertThat(AttackSupport.restartRows(new int[] {7}, 100)).containsExactly(7);
    // The filler rows start dead, so an early-stopping restart does not shrink at once.
    AttackSupport.Rows rows = new AttackSupport.Rows(4, 3);
    assertThat(rows.live()).isEqualTo(3);
    assertThat(rows.alive(3)).isFalse();
    assertThat(rows.shrink()).isNull();
    rows.stop(0);
    rows.stop(1);
    assertThat(rows.shrink()).containsExactly(2);
  }

  @Test
  void aMisclassifiedRestartBeatsOneOfHigherLoss() {
    // CE can be higher on a correctly classified image (p_y = 0.4 of three) than on a
    // misclassified one (p_y = 0.45 against 0.5): for remnant accuracy the misclassified wins.
    assertThat(AttackSupport.better(true, 0.8f, 0.92f)).isTrue();
    assertThat(AttackSupport.better(false, 0.8f, 0.92f)).isFalse();
    assertThat(AttackSupport.better(false, 0.95f, 0.92f)).isTrue();
  }
}

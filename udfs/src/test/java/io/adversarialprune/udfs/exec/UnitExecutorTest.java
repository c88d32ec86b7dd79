package io.adversarialprune.udfs.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.attack.Attack;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.metrics.OutcomeCounts;
import io.adversarialprune.udfs.metrics.SampleOutcome;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UnitExecutorTest {

  private static Classifier model;

  @BeforeAll
  static void load() {
    model = Fixtures.loadTiny();
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void runsTheFixtureRowLikePyTorch() {
    JsonObject expected = Fixtures.expected();
    JsonObject c = expected.getAsJsonArray("pgd").get(2).getAsJsonObject();
    Attack pgd = new Pgd("linf", 0.1, 0.02, 8, false, 1, true, false).attack();
    int batchSize = 4;
    int[] labels = Fixtures.ints(expected.get("labels"));
    Batch batch =
        new Batch(Fixtures.ids(6), labels, Fixtures.floats(expected.get("x")), Fixtures.SHAPE);
    UnitResult result =
        UnitExecutor.run(model, null, 9L, List.of(batch), pgd, batchSize, false, null);
    int[] pred = Fixtures.ints(expected.get("pred"));
    int[] adv = Fixtures.ints(c.get("adv_pred"));
    assertThat(result.samples()).extracting(SampleOutcome::cleanPred).containsExactly(box(pred));
    assertThat(result.samples()).extracting(SampleOutcome::advPred).containsExactly(box(adv));
    assertThat(result.counts()).isEqualTo(OutcomeCounts.of(result.samples()));
    assertThat(result.counts().total()).isEqualTo(6);
    assertThat(result.counts().correct()).isEqualTo(5); // sample 0's label was made wrong
    assertThat(result.seconds()).isPositive();
  }

  @Test
  void transferRowJudgesOnTheTargetFromThePool() {
    ModelPool.Key int8 =
        new ModelPool.Key(
            Fixtures.file("tiny-int8.pt"),
            ai.djl.Device.cpu(),
            Fixtures.NORM,
            Fixtures.SHAPE,
            Classifier.Mode.INFERENCE,
            io.adversarialprune.udfs.model.MemoryFormat.AUTO);
    List<Batch> shard = Shards.random(5L, 0L, 2, 6);
    Attack pgd = new Pgd("linf", 0.1, 0.02, 4, true, 1, true, false).attack();
    int batchSize = 6;
    try (ModelPool pool = new ModelPool();
        ModelPool.Lease target = pool.borrow(int8)) {
      UnitResult transfer =
          UnitExecutor.run(model, target.classifier(), 3L, shard, pgd, batchSize, false, null);
      UnitResult whiteBox = UnitExecutor.run(model, null, 3L, shard, pgd, batchSize, false, null);
      assertThat(transfer.counts().total()).isEqualTo(12);
      // Same adversarial images either way: the perturbation norms agree sample by sample.
      assertThat(transfer.samples())
          .extracting(SampleOutcome::linf)
          .containsExactlyElementsOf(whiteBox.samples().stream().map(SampleOutcome::linf).toList());
    }
  }

  @Test
  void resultsDoNotDependOnBatchSize() {
    List<Batch> shard = Shards.random(3L, 100L, 3, 10);
    Attack pgd = new Pgd("linf", 0.03, 0.005, 3, true, 1, true, false).attack();
    UnitResult a = UnitExecutor.run(model, null, 11L, shard, pgd, 30, false, null);
    UnitResult b = UnitExecutor.run(model, null, 11L, shard, pgd, 4, false, null);
    assertThat(b.samples())
        .extracting(SampleOutcome::id)
        .containsExactlyElementsOf(a.samples().stream().map(SampleOutcome::id).toList());
    assertThat(b.counts()).isEqualTo(a.counts());
    for (int i = 0; i < a.samples().size(); i++) {
      assertThat(b.samples().get(i).advPred()).isEqualTo(a.samples().get(i).advPred());
      assertThat(b.samples().get(i).linf()).isEqualTo(a.samples().get(i).linf());
    }
  }

  @Test
  void badLabelsAndShapesAreRejectedBeforeAnyWork() {
    int per = Fixtures.SHAPE.pixels();
    Batch badLabel =
        new Batch(new long[] {344, 345}, new int[] {3, 12}, new float[2 * per], Fixtures.SHAPE);
    Attack pgd = new Pgd("linf", 0.03, 0.001, 1, true, 1, true, false).attack();
    int batchSize = 8;
    assertThatThrownBy(() -> UnitExecutor.run(model, null, 1L, List.of(), pgd, 0, false, null))
        .hasMessageContaining("batch size must be >= 1, got 0");
    assertThatThrownBy(
            () -> UnitExecutor.run(model, null, 1L, List.of(badLabel), pgd, batchSize, false, null))
        .hasMessageContaining("label 12 of sample id 345 is outside [0, 10)");
    Batch negative = new Batch(new long[] {7}, new int[] {-1}, new float[per], Fixtures.SHAPE);
    assertThatThrownBy(
            () -> UnitExecutor.run(model, null, 1L, List.of(negative), pgd, batchSize, false, null))
        .hasMessageContaining("label -1 of sample id 7 is outside [0, 10)");
    InputShape rgb = new InputShape(3, 8, 8);
    Batch wrongChannels = new Batch(new long[] {1}, new int[] {1}, new float[3 * per], rgb);
    assertThatThrownBy(
            () ->
                UnitExecutor.run(
                    model, null, 1L, List.of(wrongChannels), pgd, batchSize, false, null))
        .hasMessageContaining("batch images have shape [1,3,8,8] but the model input is [1,1,8,8]");
    InputShape big = new InputShape(1, 28, 28);
    Batch wrongSize = new Batch(new long[] {1}, new int[] {1}, new float[784], big);
    assertThatThrownBy(
            () ->
                UnitExecutor.run(model, null, 1L, List.of(wrongSize), pgd, batchSize, false, null))
        .hasMessageContaining("[1,1,28,28] but the model input is [1,1,8,8]");
    assertThatThrownBy(
            () -> new Batch(new long[] {1}, new int[] {1}, new float[10], Fixtures.SHAPE))
        .hasMessageContaining("needs 64 pixel values, got 10");
  }

  private static Integer[] box(int[] values) {
    return java.util.Arrays.stream(values).boxed().toArray(Integer[]::new);
  }
}

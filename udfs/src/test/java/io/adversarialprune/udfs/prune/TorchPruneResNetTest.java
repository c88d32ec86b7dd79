package io.adversarialprune.udfs.prune;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The torch prune kinds on the job's embedded default model (a small ResNet, 175k parameters)
 * against torch's own utilities ({@code prune-fixtures.json}, section {@code resnet}): the SHA-256
 * of every touched tensor's float32 bytes and the changed counts, for every amount of {@code
 * conf/torch-prune.conf}.
 */
class TorchPruneResNetTest {

  private static JsonObject resnet;
  private static PrunedModel m;

  @BeforeAll
  static void load() {
    resnet = PrunedModel.fixture().getAsJsonObject("resnet");
    // Tests run in the module directory; the model is the job's resource.
    Path file = Path.of("..").resolve(resnet.get("path").getAsString());
    assertThat(Files.isRegularFile(file)).as(file.toAbsolutePath().toString()).isTrue();
    m = new PrunedModel(file);
  }

  @AfterAll
  static void close() {
    m.close();
  }

  @AfterEach
  void restore() {
    m.pruner.restore();
  }

  static List<String> labels() {
    List<String> out = new ArrayList<>();
    for (JsonElement c : PrunedModel.fixture().getAsJsonObject("resnet").getAsJsonArray("cases")) {
      out.add(c.getAsJsonObject().get("label").getAsString());
    }
    return out;
  }

  @Test
  void parametersAreTheFixturesInTorchsOrder() {
    JsonObject shapes = resnet.getAsJsonObject("parameters");
    assertThat(m.params.keySet()).containsExactlyElementsOf(shapes.keySet());
    m.params.forEach(
        (name, array) -> {
          List<Long> want = new ArrayList<>();
          shapes.getAsJsonArray(name).forEach(d -> want.add(d.getAsLong()));
          assertThat(array.getShape().getShape())
              .as(name)
              .containsExactly(want.stream().mapToLong(Long::longValue).toArray());
        });
  }

  @ParameterizedTest
  @MethodSource("labels")
  void matchesTorchBitForBit(String label) {
    JsonObject c = PrunedModel.caseOf(resnet, label);
    PruneReport report = m.pruner.apply(PrunedModel.spec(label), 0);
    Map<String, float[]> now = m.snapshot();
    JsonObject hashes = c.getAsJsonObject("sha256");
    JsonObject counts = c.getAsJsonObject("changed");
    Map<String, Long> wantCounts = new LinkedHashMap<>();
    for (String name : m.params.keySet()) {
      String want =
          hashes.has(name)
              ? hashes.get(name).getAsString()
              : PrunedModel.sha256(m.original.get(name));
      assertThat(PrunedModel.sha256(now.get(name))).as(label + " " + name).isEqualTo(want);
      wantCounts.put(name, counts.has(name) ? counts.get(name).getAsLong() : 0L);
    }
    assertThat(PrunedModel.changed(report)).as(label).containsExactlyEntriesOf(wantCounts);
    if (c.get("mask_zeros").isJsonObject()) {
      c.getAsJsonObject("mask_zeros")
          .entrySet()
          .forEach(
              e ->
                  assertThat(wantCounts.get(e.getKey()))
                      .as(label + " mask of " + e.getKey())
                      .isEqualTo(e.getValue().getAsLong()));
    }
  }
}

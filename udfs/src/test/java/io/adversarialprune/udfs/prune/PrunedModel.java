package io.adversarialprune.udfs.prune;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.util.Pair;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.adversarialprune.udfs.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TorchScript model loaded for pruning (as the job loads it: {@code trainParam}, frozen), its
 * parameter tensors and a {@link WeightPruner} over them, plus the helpers the prune tests share to
 * read {@code prune-fixtures.json}. Close it after the test class.
 */
final class PrunedModel implements AutoCloseable {

  final Model model;
  final Map<String, NDArray> params;
  final Map<String, float[]> original;
  final WeightPruner pruner;

  PrunedModel(Path file) {
    try {
      model = Model.newInstance("prune-test", Device.cpu(), "PyTorch");
      model.load(file, "prune-test", Map.of("trainParam", "true"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (MalformedModelException e) {
      throw new IllegalStateException("Failed to load TorchScript model from " + file, e);
    }
    ((PtSymbolBlock) model.getBlock()).freezeParameters(true);
    Map<String, NDArray> map = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
      map.put(p.getKey(), p.getValue().getArray());
    }
    params = map;
    original = snapshot();
    pruner = new WeightPruner(params);
  }

  /** The parameters' current values, by name, in the model's order. */
  Map<String, float[]> snapshot() {
    Map<String, float[]> map = new LinkedHashMap<>();
    params.forEach((k, v) -> map.put(k, v.toFloatArray()));
    return map;
  }

  @Override
  public void close() {
    pruner.close();
    model.close();
  }

  static int[] floatBits(float[] v) {
    int[] bits = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      bits[i] = Float.floatToRawIntBits(v[i]);
    }
    return bits;
  }

  /** The fixture's values: 8 hex digits (a float32 bit pattern) per element. */
  static int[] hexBits(String hex) {
    int[] bits = new int[hex.length() / 8];
    for (int i = 0; i < bits.length; i++) {
      bits[i] = Integer.parseUnsignedInt(hex, 8 * i, 8 * i + 8, 16);
    }
    return bits;
  }

  /** SHA-256 of the little-endian float32 bytes, as the fixture script hashes a tensor. */
  static String sha256(float[] values) {
    ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(buf.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code fixtures/prune-fixtures.json}, written by {@code make_prune_fixtures.py}. */
  static JsonObject fixture() {
    try {
      return JsonParser.parseString(
              Files.readString(Fixtures.file("prune-fixtures.json"), StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The case with this label in a model's section of the fixture. */
  static JsonObject caseOf(JsonObject section, String label) {
    for (JsonElement c : section.getAsJsonArray("cases")) {
      if (c.getAsJsonObject().get("label").getAsString().equals(label)) {
        return c.getAsJsonObject();
      }
    }
    throw new IllegalArgumentException("no fixture case " + label);
  }

  /** Labels of a section's cases whose first step is {@code type}. */
  static List<String> labels(JsonObject section, PruneType type) {
    List<String> out = new ArrayList<>();
    for (JsonElement c : section.getAsJsonArray("cases")) {
      String label = c.getAsJsonObject().get("label").getAsString();
      if (label.startsWith(type.name() + "=")) {
        out.add(label);
      }
    }
    return out;
  }

  /** "E=0.02+L1=0.3+QC=8" as a spec with no name filters. */
  static PruneSpec spec(String label) {
    List<PruneStep> steps = new ArrayList<>();
    for (String part : label.split("\\+")) {
      String[] kv = part.split("=");
      steps.add(new PruneStep(PruneType.parse(kv[0]), Double.parseDouble(kv[1])));
    }
    return new PruneSpec(steps, null, null, true);
  }

  /** Changed counts of a report, by name. */
  static Map<String, Long> changed(PruneReport report) {
    Map<String, Long> out = new LinkedHashMap<>();
    report.parameters().forEach(ps -> out.put(ps.name(), ps.changed()));
    return out;
  }
}

package io.adversarialprune.udfs;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Network;
import io.adversarialprune.udfs.model.Normalization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The PyTorch reference fixtures in {@code src/test/resources/fixtures} (see the scripts). */
public final class Fixtures {

  public static final InputShape SHAPE = new InputShape(1, 8, 8);
  public static final Normalization NORM =
      new Normalization(new float[] {0.5f}, new float[] {0.25f});

  private Fixtures() {}

  public static Path file(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Path tiny() {
    return file("tiny.pt");
  }

  public static Classifier loadTiny() {
    return Classifier.load(tiny(), Device.cpu(), NORM, SHAPE);
  }

  public static Classifier loadInt8() {
    return Classifier.loadForInference(file("tiny-int8.pt"), Device.cpu(), NORM, SHAPE);
  }

  public static JsonObject expected() {
    return json("expected.json");
  }

  public static JsonObject expectedInt8() {
    return json("expected-int8.json");
  }

  /** The 3-channel reference of make_rgb_fixture.py (model tiny-rgb.pt). */
  public static JsonObject expectedRgb() {
    return json("expected-rgb.json");
  }

  /** make_check_fixtures.py's record: the lying models' logits and gradients in PyTorch. */
  public static JsonObject checkFixtures() {
    return json("check-fixtures.json");
  }

  /** make_probe_fixtures.py's model: the default's architecture, tiny, with probe methods. */
  public static Classifier loadProbeTiny() {
    return Classifier.load(file("probe-tiny.pt"), Device.cpu(), NORM, SHAPE);
  }

  /** make_probe_fixtures.py's record: hooked activations, statistics and clamped passes. */
  public static JsonObject probeFixtures() {
    return json("probe-fixtures.json");
  }

  /** A JSON fixture by file name. */
  public static JsonObject json(String name) {
    try {
      return JsonParser.parseString(Files.readString(file(name), StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static float[] floats(JsonElement array) {
    JsonArray a = array.getAsJsonArray();
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsFloat();
    }
    return out;
  }

  public static long[] longs(JsonElement array) {
    JsonArray a = array.getAsJsonArray();
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsLong();
    }
    return out;
  }

  public static int[] ints(JsonElement array) {
    JsonArray a = array.getAsJsonArray();
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsInt();
    }
    return out;
  }

  /**
   * The input gradient of the summed cross entropy of {@code model} on {@code x} (NCHW, the model's
   * input shape) against {@code labels}, computed as the attack does (grad mode on the calling
   * thread only, backward without a GradientCollector); native memory is freed.
   */
  public static float[] inputGradient(Network model, float[] x, int[] labels) {
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray leaf = scope.create(x, new Shape(model.inputShape().batchShape(labels.length)));
      leaf.setRequiresGradient(true);
      JniUtils.setGradMode(true);
      NDArray logits = model.logits(leaf);
      NDArray y = scope.create(java.util.Arrays.stream(labels).asLongStream().toArray());
      NDArray loss = logits.logSoftmax(1).gather(y.reshape(labels.length, 1), 1).neg().sum();
      JniUtils.backward((PtNDArray) loss, (PtNDArray) scope.ones(loss.getShape()), false, false);
      JniUtils.setGradMode(false);
      return leaf.getGradient().toFloatArray();
    } finally {
      JniUtils.setGradMode(false);
    }
  }

  /** Ids 0..n-1. */
  public static long[] ids(int n) {
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
    }
    return ids;
  }

  /** |actual - expected| <= rel * |expected| + abs, element-wise; returns the worst index or -1. */
  public static int firstMismatch(float[] actual, float[] expected, double rel, double abs) {
    if (actual.length != expected.length) {
      return 0;
    }
    for (int i = 0; i < actual.length; i++) {
      if (!(Math.abs(actual[i] - expected[i]) <= rel * Math.abs(expected[i]) + abs)) {
        return i;
      }
    }
    return -1;
  }
}

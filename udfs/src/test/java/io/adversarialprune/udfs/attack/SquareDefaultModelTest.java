package io.adversarialprune.udfs.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Normalization;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Square at a fixed budget on the embedded default model, against make_square_fixtures.py's {@code
 * --default 300 100} run (square-default-reference.json). A sample's result depends only on the
 * sample, so the first N samples of the reference's 300 are the reference for N: this test takes
 * the first 100 to stay fast (about 10 s); the 300 are compared in docs/AUTOATTACK.md.
 */
class SquareDefaultModelTest {

  private static final Path MODEL =
      Path.of("../job/src/main/resources/default/fashion-mnist-resnet.pt");
  private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
  private static final int N = 100;

  @Test
  void robustAccuracyWithinTwoPointsOfTheReferenceAndSampleBySampleAlmostAlways()
      throws IOException {
    assumeTrue(Files.exists(DATA), "needs Debian's dataset-fashion-mnist");
    JsonObject ref = Fixtures.json("square-default-reference.json");
    InputShape shape = new InputShape(1, 28, 28);
    float[] x = images(DATA.resolve("t10k-images-idx3-ubyte.gz"), N, shape.pixels());
    int[] labels = labels(DATA.resolve("t10k-labels-idx1-ubyte.gz"), N);
    Square spec =
        new Square(
            "linf", ref.get("eps").getAsDouble(), ref.get("queries").getAsInt(), 0.8, 1, true);
    boolean[] robust = new boolean[N];
    try (Classifier model =
        Classifier.load(
            MODEL,
            Device.cpu(),
            new Normalization(new float[] {0.2860f}, new float[] {0.3530f}),
            shape)) {
      int per = shape.pixels();
      for (int from = 0; from < N; from += 50) {
        int to = Math.min(N, from + 50);
        long[] ids = new long[to - from];
        for (int k = 0; k < ids.length; k++) {
          ids[k] = from + k;
        }
        int[] y = java.util.Arrays.copyOfRange(labels, from, to);
        float[] adv =
            spec.attack()
                .perturb(
                    model,
                    ref.get("seed").getAsLong(),
                    ids,
                    y,
                    java.util.Arrays.copyOfRange(x, from * per, to * per));
        int[] pred = Predictions.of(model, y, adv).predictions();
        for (int k = 0; k < ids.length; k++) {
          robust[from + k] = pred[k] == y[k];
        }
      }
    }
    int java = 0;
    int torch = 0;
    int agree = 0;
    for (int i = 0; i < N; i++) {
      boolean expected = ref.getAsJsonArray("robust").get(i).getAsBoolean();
      java += robust[i] ? 1 : 0;
      torch += expected ? 1 : 0;
      agree += robust[i] == expected ? 1 : 0;
    }
    assertThat(Math.abs(java - torch))
        .as("robust: java %d torch %d of %d", java, torch, N)
        .isLessThanOrEqualTo(2 * N / 100);
    assertThat(agree).as("samples with the same verdict").isGreaterThanOrEqualTo(N - 2);
  }

  /** The first {@code n} images of an IDX3 file, bytes / 255 (as the job's ingest). */
  private static float[] images(Path gz, int n, int per) throws IOException {
    try (InputStream raw = Files.newInputStream(gz);
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw))) {
      in.skipNBytes(16);
      byte[] bytes = new byte[n * per];
      in.readFully(bytes);
      float[] out = new float[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        out[i] = (bytes[i] & 0xff) / 255f;
      }
      return out;
    }
  }

  private static int[] labels(Path gz, int n) throws IOException {
    try (InputStream raw = Files.newInputStream(gz);
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw))) {
      in.skipNBytes(8);
      int[] out = new int[n];
      for (int i = 0; i < n; i++) {
        out[i] = in.readUnsignedByte();
      }
      return out;
    }
  }
}

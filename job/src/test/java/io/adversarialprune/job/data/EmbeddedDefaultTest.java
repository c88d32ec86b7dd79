package io.adversarialprune.job.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The committed default model, run through DJL on the committed default dataset, reproduces the
 * count of correct predictions its export script recorded with PyTorch on the first 1,000 images.
 */
class EmbeddedDefaultTest {
  private static final Path DIR = Path.of("src/main/resources/default");

  @Test
  void modelReproducesRecordedAccuracyOnFirstThousandImages() throws Exception {
    JsonNode info;
    try (InputStream in = getClass().getResourceAsStream("/default/fashion-mnist-resnet.json")) {
      info = new ObjectMapper().readTree(in);
    }
    float mean = (float) info.get("mean").get(0).asDouble();
    float std = (float) info.get("std").get(0).asDouble();
    int expectedCorrect = info.get("first_1000_correct").asInt();

    List<DatasetReader.Record> records =
        DatasetReader.read(
            DIR.resolve("fashion-mnist-test.parquet").toString(), 0, 1000, new Configuration());
    assertThat(records).hasSize(1000);
    assertThat(records.get(0).id()).isZero();
    assertThat(records.get(999).id()).isEqualTo(999);

    float[] pixels = new float[1000 * 28 * 28];
    int[] labels = new int[1000];
    for (int i = 0; i < records.size(); i++) {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(records.get(i).bytes()));
      assertThat(image.getWidth()).isEqualTo(28);
      byte[] gray = (byte[]) image.getRaster().getDataElements(0, 0, 28, 28, null);
      for (int p = 0; p < gray.length; p++) {
        // The export script's exact arithmetic: uint8 / 255, then (x - mean) / std, in float32.
        pixels[i * 784 + p] = ((Byte.toUnsignedInt(gray[p]) / 255.0f) - mean) / std;
      }
      labels[i] = records.get(i).label();
    }

    int correct = 0;
    try (Model model = Model.newInstance("default", Device.cpu(), "PyTorch");
        NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      model.load(DIR, "fashion-mnist-resnet.pt", Map.of());
      for (int start = 0; start < 1000; start += 250) {
        try (NDManager scope = manager.newSubManager()) {
          NDArray x =
              scope.create(slice(pixels, start * 784, 250 * 784), new Shape(250, 1, 28, 28));
          NDList out =
              model.getBlock().forward(new ParameterStore(scope, false), new NDList(x), false);
          long[] pred = out.singletonOrThrow().argMax(1).toLongArray();
          for (int i = 0; i < pred.length; i++) {
            if (pred[i] == labels[start + i]) {
              correct++;
            }
          }
        }
      }
    }
    assertThat(correct).isEqualTo(expectedCorrect);
    assertThat(info.get("test_accuracy").asDouble()).isGreaterThanOrEqualTo(0.90);
  }

  private static float[] slice(float[] a, int from, int len) {
    float[] out = new float[len];
    System.arraycopy(a, from, out, 0, len);
    return out;
  }
}

package io.adversarialprune.udfs.bench;

import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Normalization;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The model every bench takes first on its command line: {@code MODEL C H W MEAN STD} (a
 * TorchScript file, its input shape, one mean and std for every channel).
 */
record BenchModel(Path file, InputShape shape, Normalization norm) {

  /** Reads {@code args[0..5]}. */
  static BenchModel of(String[] args) {
    InputShape shape =
        new InputShape(
            Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
    return new BenchModel(
        Path.of(args[0]),
        shape,
        Normalization.uniform(
            shape.channels(), Float.parseFloat(args[4]), Float.parseFloat(args[5])));
  }

  /**
   * {@code images} random images in [0, 1] with random labels below {@code classes}, ids 0 to
   * images - 1, drawn from one stream seeded 1 (pixels first, then labels): a bench's cost does not
   * depend on the content.
   */
  Batch randomBatch(int images, int classes) {
    SplittableRandom random = new SplittableRandom(1);
    float[] pixels = new float[images * shape.pixels()];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextDouble();
    }
    long[] ids = new long[images];
    int[] labels = new int[images];
    for (int i = 0; i < images; i++) {
      ids[i] = i;
      labels[i] = random.nextInt(classes);
    }
    return new Batch(ids, labels, pixels, shape);
  }
}

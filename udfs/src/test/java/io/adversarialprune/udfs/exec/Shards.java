package io.adversarialprune.udfs.exec;

import io.adversarialprune.udfs.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Synthetic shards for the tiny fixture model. */
final class Shards {

  private Shards() {}

  /** {@code batches} batches of {@code size} random 1x8x8 images, ids from {@code firstId}. */
  static List<Batch> random(long seed, long firstId, int batches, int size) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Batch> shard = new ArrayList<>();
    long id = firstId;
    int per = Fixtures.SHAPE.pixels();
    for (int b = 0; b < batches; b++) {
      long[] ids = new long[size];
      int[] labels = new int[size];
      float[] pixels = new float[size * per];
      for (int i = 0; i < size; i++) {
        ids[i] = id++;
        labels[i] = random.nextInt(10);
      }
      for (int j = 0; j < pixels.length; j++) {
        pixels[j] = (float) random.nextDouble();
      }
      shard.add(new Batch(ids, labels, pixels, Fixtures.SHAPE));
    }
    return shard;
  }
}

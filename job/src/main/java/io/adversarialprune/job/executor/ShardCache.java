package io.adversarialprune.job.executor;

import io.adversarialprune.job.data.DatasetReader;
import io.adversarialprune.job.data.PosixLocalFileSystem;
import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.model.ImagePreprocessor;
import io.adversarialprune.udfs.model.InputShape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decoded shards, kept per executor JVM so a shard is read and decoded at most once however many
 * configs and seeds run on it (while it fits in {@code sweep.engine.shard-cache-mb}; least recently
 * used shards are dropped first). Thread-safe: concurrent tasks asking for the same shard wait for
 * one decode. The JVM's shards are held by {@link ExecutorCache}.
 */
public final class ShardCache {
  /** What makes two decoded shards interchangeable. */
  public record Key(
      String dataset, long idFrom, long idTo, ImagePreprocessor preprocessor, InputShape shape) {}

  private final Map<Key, Object> locks = new ConcurrentHashMap<>();
  private final LinkedHashMap<Key, Batch> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;
  private long decodes;

  /** The shard's samples as one batch (pixels in [0, 1], CHW), decoded on first use. */
  public Batch get(Key key, long budgetBytes) {
    Batch hit = lookup(key);
    if (hit != null) {
      return hit;
    }
    synchronized (locks.computeIfAbsent(key, k -> new Object())) {
      hit = lookup(key);
      if (hit != null) {
        return hit;
      }
      Batch batch = decode(key);
      store(key, batch, budgetBytes);
      return batch;
    }
  }

  /** How many shards this cache has decoded (for tests and logs). */
  public synchronized long decodes() {
    return decodes;
  }

  private synchronized Batch lookup(Key key) {
    return entries.get(key);
  }

  private synchronized void store(Key key, Batch batch, long budget) {
    decodes++;
    long size = 4L * batch.pixels().length;
    if (size > budget) {
      return;
    }
    entries.put(key, batch);
    bytes += size;
    var it = entries.entrySet().iterator();
    while (bytes > budget && it.hasNext()) {
      var e = it.next();
      if (e.getKey().equals(key)) {
        continue;
      }
      bytes -= 4L * e.getValue().pixels().length;
      it.remove();
    }
  }

  private static Batch decode(Key key) {
    List<DatasetReader.Record> records;
    try {
      records =
          DatasetReader.read(
              key.dataset(), key.idFrom(), key.idTo(), PosixLocalFileSystem.configuration());
    } catch (IOException e) {
      throw new UncheckedIOException("could not read dataset " + key.dataset(), e);
    }
    InputShape shape = key.shape();
    int n = records.size();
    long[] ids = new long[n];
    int[] labels = new int[n];
    float[] pixels = new float[n * shape.pixels()];
    for (int i = 0; i < n; i++) {
      DatasetReader.Record r = records.get(i);
      ids[i] = r.id();
      labels[i] = r.label();
      String name = "id " + r.id() + (r.path() == null ? "" : " (" + r.path() + ")");
      float[] p;
      try {
        p = key.preprocessor().pixels(r.bytes(), name, shape);
      } catch (IllegalArgumentException e) {
        // Found on an executor, once the run has written: a job failure, not a user error (exit
        // 2 promises that nothing was written). The driver's DatasetCheck finds what it can first.
        throw new IllegalArgumentException("dataset " + key.dataset() + ": " + e.getMessage(), e);
      }
      System.arraycopy(p, 0, pixels, i * shape.pixels(), p.length);
    }
    return new Batch(ids, labels, pixels, shape);
  }
}

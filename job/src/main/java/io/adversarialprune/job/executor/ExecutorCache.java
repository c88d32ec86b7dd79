package io.adversarialprune.job.executor;

import io.adversarialprune.udfs.exec.ModelPool;

/**
 * Everything heavy that lives once per JVM, in one place: the loaded models ({@link ModelPool}, one
 * {@link io.adversarialprune.udfs.exec.ModelSlot} per concurrent task, each with its pruner and its
 * passed engine checks), the decoded shards ({@link ShardCache}) and the local copies of {@code
 * classpath:} files ({@link ClasspathFiles}). On a cluster that is an executor; in local mode the
 * driver and its executor share one.
 *
 * <p>Invalidation: a model slot that cannot be vouched for (a prune, attack or restore failed) is
 * closed by its lease and takes its pruner and checks with it; shards are dropped least recently
 * used first beyond {@code sweep.engine.shard-cache-mb}; files are extracted once and deleted at
 * exit. Nothing else is ever dropped: keys name everything a value depends on (file, device,
 * layout, preprocessing), so a value is never stale.
 *
 * <p>Lifecycle: created lazily on first {@link #get()} and kept for the JVM's life (its models are
 * freed when the process exits). Thread-safe.
 */
public final class ExecutorCache {
  private static volatile ExecutorCache jvm;

  private final ModelPool models = new ModelPool();
  private final ShardCache shards = new ShardCache();
  private final ClasspathFiles files = new ClasspathFiles();

  private ExecutorCache() {}

  /** This JVM's cache, created on first use. */
  public static ExecutorCache get() {
    ExecutorCache cache = jvm;
    if (cache == null) {
      synchronized (ExecutorCache.class) {
        cache = jvm;
        if (cache == null) {
          cache = new ExecutorCache();
          jvm = cache;
        }
      }
    }
    return cache;
  }

  /** The loaded models: attack sources and transfer targets. */
  public ModelPool models() {
    return models;
  }

  /** The decoded shards. */
  public ShardCache shards() {
    return shards;
  }

  /** {@link ClasspathFiles#localPath}: a location Hadoop and java.nio can open. */
  public String localPath(String location, String key) {
    return files.localPath(location, key);
  }
}

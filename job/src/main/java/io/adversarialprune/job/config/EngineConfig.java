package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import io.adversarialprune.udfs.config.ConfigNames;
import io.adversarialprune.udfs.config.ConfigProblems;
import io.adversarialprune.udfs.model.MemoryFormat;
import java.io.Serializable;

/** {@code sweep.engine}: threads, the shard cache and the memory layout. */
public record EngineConfig(int intraOpThreads, long shardCacheMb, MemoryFormat memoryFormat)
    implements Serializable {
  /** Reads and validates the block; every problem goes to {@code problems}, the block's view. */
  static EngineConfig from(Config e, ConfigProblems problems) {
    int threads = e.getInt("intra-op-threads");
    long cache = e.getLong("shard-cache-mb");
    if (threads < 0) {
      problems.add("intra-op-threads", "must be >= 0, got " + threads);
    }
    if (cache < 0) {
      problems.add("shard-cache-mb", "must be >= 0, got " + cache);
    }
    MemoryFormat format =
        ConfigNames.parse(
            MemoryFormat.class, "memory-format", e.getString("memory-format"), problems);
    return new EngineConfig(threads, cache, format);
  }
}

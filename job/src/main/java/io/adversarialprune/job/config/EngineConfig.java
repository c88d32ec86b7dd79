package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import io.adversarialprune.udfs.model.MemoryFormat;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** {@code sweep.engine}: threads, the shard cache and the memory layout. */
public record EngineConfig(int intraOpThreads, long shardCacheMb, MemoryFormat memoryFormat)
    implements Serializable {
  /** Reads and validates the block; every problem names its key. */
  static EngineConfig from(Config e) {
    int threads = e.getInt("intra-op-threads");
    long cache = e.getLong("shard-cache-mb");
    List<String> errors = new ArrayList<>();
    if (threads < 0) {
      errors.add("sweep.engine.intra-op-threads must be >= 0, got " + threads);
    }
    if (cache < 0) {
      errors.add("sweep.engine.shard-cache-mb must be >= 0, got " + cache);
    }
    MemoryFormat format = null;
    try {
      format = MemoryFormat.parse("sweep.engine.memory-format", e.getString("memory-format"));
    } catch (IllegalArgumentException ex) {
      errors.add(ex.getMessage());
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new EngineConfig(threads, cache, format);
  }
}

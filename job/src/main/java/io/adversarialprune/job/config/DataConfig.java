package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** {@code sweep.data}: the dataset, how many of its images, in how many shards. */
public record DataConfig(String path, long limit, int shards) implements Serializable {
  /** Reads and validates the block; every problem names its key. */
  static DataConfig from(Config d) {
    String path = d.getString("path");
    long limit = d.getLong("limit");
    int shards = d.getInt("shards");
    List<String> errors = new ArrayList<>();
    if (path.isBlank()) {
      errors.add("sweep.data.path must name a dataset");
    }
    if (limit < 0) {
      errors.add("sweep.data.limit must be >= 0 (0 = all), got " + limit);
    }
    if (shards < 1) {
      errors.add("sweep.data.shards must be >= 1, got " + shards);
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new DataConfig(path, limit, shards);
  }
}

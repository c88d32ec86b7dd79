package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import io.adversarialprune.udfs.config.ConfigProblems;
import java.io.Serializable;

/** {@code sweep.data}: the dataset, how many of its images, in how many shards. */
public record DataConfig(String path, long limit, int shards) implements Serializable {
  /** Reads and validates the block; every problem goes to {@code problems}, the block's view. */
  static DataConfig from(Config d, ConfigProblems problems) {
    String path = d.getString("path");
    long limit = d.getLong("limit");
    int shards = d.getInt("shards");
    if (path.isBlank()) {
      problems.add("path", "must name a dataset");
    }
    if (limit < 0) {
      problems.add("limit", "must be >= 0 (0 = all), got " + limit);
    }
    if (shards < 1) {
      problems.add("shards", "must be >= 1, got " + shards);
    }
    return new DataConfig(path, limit, shards);
  }
}

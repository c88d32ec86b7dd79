package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import io.adversarialprune.udfs.config.ConfigProblems;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Normalization;
import java.io.Serializable;

/** {@code sweep.model}: the TorchScript file, its input shape and normalization, preprocessing. */
public record ModelConfig(
    String path, InputShape input, Normalization normalization, int resize, int crop)
    implements Serializable {
  /** Reads and validates the block; every problem goes to the block's view; null if any. */
  static ModelConfig from(Config m, ConfigProblems block) {
    CountedProblems problems = new CountedProblems(block);
    String path = m.getString("path");
    if (path.isBlank()) {
      problems.add("path", "must name a TorchScript file");
    }
    int c = m.getInt("input.channels");
    int h = m.getInt("input.height");
    int w = m.getInt("input.width");
    if (c != 1 && c != 3) {
      problems.add("input.channels", "must be 1 or 3, got " + c);
    }
    if (h < 1 || w < 1) {
      problems.add("input", full -> full + ".height and width must be >= 1, got " + h + "x" + w);
    }
    float[] mean = ConfigTypes.floats(m.getDoubleList("mean"));
    float[] std = ConfigTypes.floats(m.getDoubleList("std"));
    if (mean.length != c) {
      problems.add("mean", "must have " + c + " values (one per channel), got " + mean.length);
    }
    if (std.length != c) {
      problems.add("std", "must have " + c + " values (one per channel), got " + std.length);
    }
    for (float v : std) {
      if (!(v > 0)) {
        problems.add("std", "values must be > 0, got " + v);
      }
    }
    int resize = m.getInt("resize");
    int crop = m.getInt("crop");
    if (resize < 0) {
      problems.add("resize", "must be >= 0, got " + resize);
    }
    if (crop < 0) {
      problems.add("crop", "must be >= 0, got " + crop);
    }
    if (crop > 0 && (crop != h || crop != w)) {
      problems.add("crop", "(" + crop + ") must equal the model input " + h + "x" + w);
    }
    if (!problems.none()) {
      return null;
    }
    return new ModelConfig(
        path, new InputShape(c, h, w), new Normalization(mean, std), resize, crop);
  }
}

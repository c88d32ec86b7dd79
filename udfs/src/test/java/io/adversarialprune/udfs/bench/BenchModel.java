package io.adversarialprune.udfs.bench;

import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Normalization;
import java.nio.file.Path;

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
}

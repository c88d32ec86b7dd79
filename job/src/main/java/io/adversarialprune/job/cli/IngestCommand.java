package io.adversarialprune.job.cli;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.ingest.Ingest;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ingest}: converts an image dataset into the canonical Parquet layout. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description =
        "Converts images into the canonical dataset Parquet (image struct<bytes,path>, label, id).",
    subcommands = {
      IngestCommand.Idx.class,
      IngestCommand.ImageFolder.class,
      IngestCommand.JsonMap.class
    })
public final class IngestCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "choose a source format: idx, image-folder or json-map");
  }

  /**
   * A local {@code --out} whose nearest existing ancestor is a file cannot be created: said here,
   * naming both, rather than by a file system's exception at the first write.
   */
  static void checkOut(String out) {
    if (out.contains("://") || out.startsWith("hdfs:") || out.startsWith("s3")) {
      return;
    }
    for (Path p = Path.of(out).toAbsolutePath().getParent(); p != null; p = p.getParent()) {
      if (java.nio.file.Files.exists(p)) {
        if (!java.nio.file.Files.isDirectory(p)) {
          throw new UserInputException("--out " + out + " cannot be created: " + p + " is a file");
        }
        return;
      }
    }
  }

  /** {@code --classes}, checked before any file is read. */
  static void checkClasses(CommandSpec spec, int classes) {
    if (classes < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--classes must be at least 1, got " + classes);
    }
  }

  abstract static class Base implements Callable<Integer> {
    @Option(
        names = "--out",
        required = true,
        description = "Destination dataset directory (must not exist; written atomically).")
    String out;

    @Spec CommandSpec spec;

    abstract long ingest() throws Exception;

    @Override
    public Integer call() throws Exception {
      checkOut(out);
      long rows = ingest();
      spec.commandLine().getOut().printf("wrote %d images to %s%n", rows, out);
      return 0;
    }
  }

  @Command(
      name = "idx",
      mixinStandardHelpOptions = true,
      description = "IDX files of the MNIST family (gzipped or not).")
  static final class Idx extends Base {
    @Option(names = "--images", required = true, description = "IDX image file [n, rows, cols].")
    Path images;

    @Option(names = "--labels", required = true, description = "IDX label file [n].")
    Path labels;

    @Option(
        names = "--classes",
        defaultValue = "10",
        description =
            "Number of classes; labels must lie in [0, classes). Default: ${DEFAULT-VALUE}.")
    int classes;

    @Override
    long ingest() throws Exception {
      checkClasses(spec, classes);
      return Ingest.fromIdx(images, labels, classes, out);
    }
  }

  @Command(
      name = "image-folder",
      mixinStandardHelpOptions = true,
      description = "An ImageFolder tree: one sub-folder per class, classes sorted by name.")
  static final class ImageFolder extends Base {
    @Option(names = "--root", required = true, description = "Folder holding the class folders.")
    Path root;

    @Override
    long ingest() throws Exception {
      return Ingest.fromImageFolder(root, out);
    }
  }

  @Command(
      name = "json-map",
      mixinStandardHelpOptions = true,
      description =
          "A flat folder of images plus a JSON map {file name: {\"class_id\": n, ...}} (the"
              + " study's ImageNet subset).")
  static final class JsonMap extends Base {
    @Option(names = "--images", required = true, description = "Folder of image files.")
    Path images;

    @Option(names = "--map", required = true, description = "JSON file name -> {class_id}.")
    Path map;

    @Option(
        names = "--classes",
        defaultValue = "1000",
        description =
            "Number of classes; class ids must lie in [0, classes). Default: ${DEFAULT-VALUE}.")
    int classes;

    @Override
    long ingest() throws Exception {
      checkClasses(spec, classes);
      return Ingest.fromJsonMap(images, map, classes, out);
    }
  }
}

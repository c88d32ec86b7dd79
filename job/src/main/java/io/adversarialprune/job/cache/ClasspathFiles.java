package io.adversarialprune.job.cache;

import io.adversarialprune.job.UserInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves the {@code classpath:} scheme (resources inside the application jar, such as the
 * embedded default model and dataset) to a local file, extracted once per JVM into a temporary
 * directory deleted at exit. Other locations are returned unchanged. Driver and executors both call
 * this, so the embedded default works on a cluster without copying anything by hand.
 */
public final class LocalFiles {
  public static final String CLASSPATH = "classpath:";
  private static final Map<String, String> EXTRACTED = new ConcurrentHashMap<>();

  private LocalFiles() {}

  public static boolean isClasspath(String location) {
    return location.startsWith(CLASSPATH);
  }

  /** A location Hadoop and java.nio can open. */
  public static String resolve(String location, String key) {
    if (!isClasspath(location)) {
      return location;
    }
    return EXTRACTED.computeIfAbsent(location, l -> extract(l, key));
  }

  private static String extract(String location, String key) {
    String resource = location.substring(CLASSPATH.length());
    if (!resource.startsWith("/")) {
      resource = "/" + resource;
    }
    try (InputStream in = LocalFiles.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new UserInputException(
            key + ": resource " + location + " is not in the application jar");
      }
      Path dir = Files.createTempDirectory("adversarial-prune-");
      // deleteOnExit deletes in the reverse order of registration, and a directory only when it
      // is empty: the directory first, so that its file goes before it.
      dir.toFile().deleteOnExit();
      Path file = dir.resolve(Path.of(resource).getFileName().toString());
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      return file.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("could not extract " + location, e);
    }
  }
}

package io.adversarialprune.job.executor;

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
 * Local copies of {@code classpath:} locations (resources inside the application jar, such as the
 * embedded default model and dataset): each is extracted once, on first use, into a directory of
 * this process under the job's temp parent ({@link TempDirs}), deleted at exit. Other locations are
 * returned unchanged. Driver and executors both go through this, so the embedded default works on a
 * cluster without copying anything by hand.
 *
 * <p>Thread-safe. The JVM's copies are held by {@link ExecutorCache}.
 */
public final class ClasspathFiles {
  public static final String CLASSPATH = "classpath:";
  private final Map<String, String> extracted = new ConcurrentHashMap<>();

  public static boolean isClasspath(String location) {
    return location.startsWith(CLASSPATH);
  }

  /**
   * A location Hadoop and java.nio can open: a local copy of a {@code classpath:} location, else
   * {@code location} itself.
   *
   * @param key the config key the location came from, for messages
   * @throws UserInputException naming {@code key} when the resource is not in the jar
   */
  public String localPath(String location, String key) {
    if (!isClasspath(location)) {
      return location;
    }
    return extracted.computeIfAbsent(location, l -> extract(l, key));
  }

  private static String extract(String location, String key) {
    String resource = location.substring(CLASSPATH.length());
    if (!resource.startsWith("/")) {
      resource = "/" + resource;
    }
    try (InputStream in = ClasspathFiles.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new UserInputException(
            key + ": resource " + location + " is not in the application jar");
      }
      // Under the job's temp parent, named with this process's pid: a killed process's copies
      // are reclaimed by the next start (TempDirs).
      Path dir = TempDirs.newDirectory("files");
      // deleteOnExit deletes in the reverse order of registration, and a directory only when it
      // is empty: the directory first, so that its file goes before it.
      dir.toFile().deleteOnExit();
      Path file = dir.resolve(Path.of(resource).getFileName().toString());
      file.toFile().deleteOnExit();
      try {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        Files.deleteIfExists(file);
        long bytes =
            ClasspathFiles.class.getResource(resource).openConnection().getContentLengthLong();
        throw new IOException(
            "could not copy "
                + location
                + " ("
                + (bytes < 0 ? "size unknown" : bytes / (1 << 20) + " MiB")
                + ") to "
                + dir
                + ": "
                + e.getMessage()
                + "; is the disk of java.io.tmpdir full? (TMPDIR or -Djava.io.tmpdir moves it)",
            e);
      }
      return file.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }
}

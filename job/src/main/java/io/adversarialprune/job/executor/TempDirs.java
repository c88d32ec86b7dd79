package io.adversarialprune.job.executor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's own temporary directories, all under one parent, {@code
 * java.io.tmpdir/adversarial-prune}: the local copies of {@code classpath:} files ({@code
 * files-...}), Spark's local directory in local mode ({@code spark-...}, holding its {@code
 * spark-*} and {@code blockmgr-*}) and its warehouse ({@code warehouse-...}). Each is named {@code
 * KIND-PID-START[-SUFFIX]}, START being the process's start time in epoch milliseconds.
 *
 * <p>A process deletes its own at exit; one that is killed (SIGKILL, an out-of-memory kill) cannot.
 * So the first process of the job to make a directory here reclaims the children of processes that
 * are gone: no process has the pid, or the process that has it started at another time (the pid was
 * reused). Processes in other pid namespaces must not share the parent (containers each have their
 * own temp directory).
 *
 * <p>Static and thread-safe; the reclaiming runs once per JVM.
 */
public final class TempDirs {
  private static final Logger LOG = LoggerFactory.getLogger(TempDirs.class);

  /** The parent's name in {@code java.io.tmpdir}. */
  public static final String PARENT = "adversarial-prune";

  private static final Pattern CHILD = Pattern.compile("[a-z]+-(\\d+)-(-?\\d+)(-.*)?");
  private static final long PID = ProcessHandle.current().pid();
  private static final long START = startMillis(ProcessHandle.current());
  private static volatile boolean reclaimed;

  private TempDirs() {}

  /** {@code java.io.tmpdir/adversarial-prune}, not created. */
  public static Path parent() {
    return Path.of(System.getProperty("java.io.tmpdir"), PARENT);
  }

  /** {@code KIND-PID-START}: this process's name for a directory of {@code kind}. */
  public static String name(String kind) {
    return kind + "-" + PID + "-" + START;
  }

  /**
   * Creates (or finds) this process's directory of {@code kind}, deleted at exit if it is empty by
   * then; reclaims the directories of processes that are gone first.
   */
  public static Path directory(String kind) throws IOException {
    Path dir = parent().resolve(name(kind));
    for (int tries = 0; ; tries++) {
      try {
        Files.createDirectories(prepareParent());
        Files.createDirectories(dir);
        dir.toFile().deleteOnExit();
        return dir;
      } catch (NoSuchFileException e) {
        if (tries > 2) { // another process deleted the parent as it exited, each time
          throw e;
        }
      }
    }
  }

  /** A new directory of {@code kind} for this process: {@code KIND-PID-START-RANDOM}. */
  public static Path newDirectory(String kind) throws IOException {
    for (int tries = 0; ; tries++) {
      try {
        Path dir = Files.createTempDirectory(prepareParent(), name(kind) + "-");
        dir.toFile().deleteOnExit();
        return dir;
      } catch (NoSuchFileException e) {
        if (tries > 2) {
          throw e;
        }
      }
    }
  }

  private static Path prepareParent() throws IOException {
    Path parent = parent();
    if (!reclaimed) {
      reclaimed = true;
      reclaim(parent);
    }
    Files.createDirectories(parent);
    // Deleted at exit if no other process has a directory in it by then (a directory is deleted
    // only when empty). deleteOnExit deletes in the reverse order of registration: the parent last.
    parent.toFile().deleteOnExit();
    return parent;
  }

  /**
   * Deletes the children of {@code parent} left by processes that are gone; best effort.
   *
   * @return the directories deleted
   */
  public static List<Path> reclaim(Path parent) {
    List<Path> deleted = new ArrayList<>();
    if (!Files.isDirectory(parent)) {
      return deleted;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(parent)) {
      for (Path child : children) {
        Matcher m = CHILD.matcher(child.getFileName().toString());
        if (!m.matches() || !Files.isDirectory(child, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        long pid = Long.parseLong(m.group(1));
        long start = Long.parseLong(m.group(2));
        if (!gone(pid, start)) {
          continue;
        }
        try {
          deleteTree(child);
          deleted.add(child);
          LOG.info("reclaimed {}, left by process {} which is gone", child, pid);
        } catch (IOException e) {
          LOG.warn("could not reclaim {}: {}", child, e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn("could not list {}: {}", parent, e.toString());
    }
    return deleted;
  }

  /**
   * Whether process {@code pid}, started at {@code start} (epoch ms, -1 unknown), is gone: no
   * process has the pid, or the one that has it started at another time.
   */
  static boolean gone(long pid, long start) {
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    if (p.isEmpty()) {
      return true;
    }
    long now = startMillis(p.get());
    return start >= 0 && now >= 0 && now != start;
  }

  private static long startMillis(ProcessHandle p) {
    return p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
  }

  private static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}

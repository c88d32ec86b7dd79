package io.adversarialprune.job.results;

import io.adversarialprune.job.UserInputException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.security.AccessControlException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results root as a place on a file system: whether a run can write there, checked before
 * anything else (a few file-system calls, where the model and dataset checks take seconds), so a
 * root that is a file, lies under a file, or is not writable exits 2 naming the path instead of
 * failing at the first write with Hadoop's or Spark's words; and the tidying of a run's bookkeeping
 * directories, so that a finished run leaves only its tables. Static helpers, thread-safe.
 */
public final class ResultsRoot {
  private static final Logger LOG = LoggerFactory.getLogger(ResultsRoot.class);

  /** Directories a run creates directly under the root besides the tables' namespace. */
  static final String[] BOOKKEEPING = {
    ResultsLayout.UNITS, ResultsLayout.STAGING, ResultsLayout.LEASES
  };

  private ResultsRoot() {}

  /**
   * Checks that a run can write under {@code root}: it is a directory, or can be created as one,
   * and is writable; the tables and bookkeeping directories under it, where they exist, are
   * directories. Writes nothing.
   *
   * @throws UserInputException naming the path when it is not
   */
  public static void checkWritable(ResultsLayout layout, Configuration conf) {
    String root = layout.root();
    try {
      Path p = new Path(root);
      FileSystem fs = p.getFileSystem(conf);
      Path existing = p;
      FileStatus status = status(fs, existing);
      while (status == null && existing.getParent() != null) {
        existing = existing.getParent();
        status = status(fs, existing);
      }
      if (status == null) {
        return; // nothing of the path exists, not even its file system's root: let the run say
      }
      if (!status.isDirectory()) {
        throw new UserInputException(
            existing.equals(p)
                ? "results root " + root + " is a file, not a directory"
                : "results root " + root + " cannot be created: " + existing + " is a file");
      }
      if (!writable(fs, existing)) {
        throw new UserInputException(
            "results root "
                + root
                + " is not writable"
                + (existing.equals(p) ? "" : ": cannot create it in " + existing));
      }
      if (existing.equals(p)) {
        for (String name : BOOKKEEPING) {
          FileStatus sub = status(fs, new Path(p, name));
          if (sub != null && !sub.isDirectory()) {
            throw new UserInputException(
                "results root "
                    + root
                    + " holds a file "
                    + sub.getPath()
                    + " where the directory "
                    + name
                    + " belongs; is it a results root?");
          }
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new UserInputException("results root " + root + " cannot be used: " + e, e);
    }
  }

  /**
   * Deletes a run's committed units, {@code _units/SWEEP/RUN_ID}, once the samples table holds
   * them, and the directories above it that are left empty; best effort, like {@link
   * #removeStaging}.
   */
  public static void removeUnits(
      ResultsLayout layout, String sweep, String runId, Configuration conf) {
    removeRunDirectory(layout.units(sweep, runId), conf);
  }

  /**
   * Deletes a run's staging directory, {@code _staging/SWEEP/RUN_ID}, and the directories above it
   * that are left empty; best effort (a failure is logged): what is left is ignored by readers and
   * removed by the run's next success.
   */
  public static void removeStaging(
      ResultsLayout layout, String sweep, String runId, Configuration conf) {
    removeRunDirectory(layout.staging(sweep, runId), conf);
  }

  /** Deletes {@code ROOT/KIND/SWEEP/RUN_ID} and its sweep's and kind's directories left empty. */
  private static void removeRunDirectory(Path dir, Configuration conf) {
    try {
      FileSystem fs = dir.getFileSystem(conf);
      fs.delete(dir, true);
      deleteEmptyDirs(fs, dir.getParent(), 2);
    } catch (IOException e) {
      LOG.warn("could not remove {}: {}", dir, e.toString());
    }
  }

  /**
   * Deletes {@code dir} if it is empty, then its parent if that is empty now, {@code levels}
   * directories up at most; best effort, tidying only. Never deletes a directory that is not empty,
   * even one that another driver fills at the same moment: a local disk's rmdir(2) refuses it, and
   * so does HDFS's non-recursive delete.
   */
  public static void deleteEmptyDirs(FileSystem fs, Path dir, int levels) {
    Path p = dir;
    for (int i = 0; i < levels && p != null; i++, p = p.getParent()) {
      try {
        if (isLocal(fs)) {
          Files.delete(localPath(fs, p));
        } else if (fs.listStatus(p).length > 0 || !fs.delete(p, false)) {
          return;
        }
      } catch (IOException e) {
        return; // not empty, gone, or not ours to delete
      }
    }
  }

  private static FileStatus status(FileSystem fs, Path p) throws IOException {
    try {
      return fs.getFileStatus(p);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  private static boolean writable(FileSystem fs, Path dir) throws IOException {
    if (isLocal(fs)) {
      // access(2): the process's real rights (root's included), which Hadoop's permission-bit
      // emulation for local files does not model.
      return Files.isWritable(localPath(fs, dir));
    }
    try {
      fs.access(dir, FsAction.WRITE);
      return true;
    } catch (AccessControlException e) {
      return false;
    }
  }

  /**
   * The java.nio path of {@code p} on a {@link #isLocal local} file system, whatever scheme that
   * file system's URIs carry.
   */
  public static java.nio.file.Path localPath(FileSystem fs, Path p) {
    return Paths.get(fs.makeQualified(p).toUri().getPath());
  }

  /** Whether {@code fs} is the local file system, where java.nio's atomic operations apply. */
  public static boolean isLocal(FileSystem fs) {
    return fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem;
  }
}

package io.adversarialprune.job.data;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's checksummed local file system ({@code file:}), but setting a file's permissions with
 * {@link Files#setPosixFilePermissions} where Hadoop, without its native library (as in Maven's
 * jars), forks a {@code chmod} process for every file and directory it creates: about 8 per unit,
 * each a fork of the whole JVM (docs/BENCHMARKS.md). The permissions set are the same (Hadoop has
 * applied the umask before it calls {@link RawLocalFileSystem#setPermission}); where the platform's
 * file system is not POSIX, or the permission has a bit NIO cannot set (sticky), Hadoop's own path
 * runs. Registered for {@code file:} by {@link #configure}; every other scheme is untouched.
 */
public final class PosixLocalFileSystem extends LocalFileSystem {
  /** The Hadoop key that names the {@code file:} scheme's implementation. */
  public static final String KEY = "fs.file.impl";

  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  public PosixLocalFileSystem() {
    super(new Raw());
  }

  /** {@code conf} with this class as the {@code file:} scheme's implementation; returns it. */
  public static Configuration configure(Configuration conf) {
    conf.set(KEY, PosixLocalFileSystem.class.getName());
    return conf;
  }

  /** A new Hadoop configuration (the defaults on the class path) with {@link #configure}. */
  public static Configuration configuration() {
    return configure(new Configuration());
  }

  /** The raw file system under the checksums, where Hadoop sets permissions. */
  static final class Raw extends RawLocalFileSystem {
    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      if (!POSIX || permission.getStickyBit()) {
        super.setPermission(p, permission);
        return;
      }
      Files.setPosixFilePermissions(pathToFile(p).toPath(), posix(permission));
    }
  }

  /** The POSIX permissions of {@code permission}'s user, group and other actions. */
  static Set<PosixFilePermission> posix(FsPermission permission) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    add(
        set,
        permission.getUserAction(),
        PosixFilePermission.OWNER_READ,
        PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_EXECUTE);
    add(
        set,
        permission.getGroupAction(),
        PosixFilePermission.GROUP_READ,
        PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.GROUP_EXECUTE);
    add(
        set,
        permission.getOtherAction(),
        PosixFilePermission.OTHERS_READ,
        PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_EXECUTE);
    return set;
  }

  private static void add(
      Set<PosixFilePermission> set,
      FsAction action,
      PosixFilePermission read,
      PosixFilePermission write,
      PosixFilePermission execute) {
    if (action.implies(FsAction.READ)) {
      set.add(read);
    }
    if (action.implies(FsAction.WRITE)) {
      set.add(write);
    }
    if (action.implies(FsAction.EXECUTE)) {
      set.add(execute);
    }
  }
}

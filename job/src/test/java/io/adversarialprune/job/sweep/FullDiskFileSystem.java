package io.adversarialprune.job.sweep;

import java.io.File;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.commons.io.FileUtils;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The local disk under the scheme {@code fulldisk:}, with a free-space count that a test can run
 * out: a write past it fails as a full disk does ("No space left on device"), and deleting a file
 * gives its bytes back. Registered by {@code META-INF/services}, so that executors' own Hadoop
 * configurations find it too. One disk per JVM: tests that fill it {@link #reset} it.
 */
public final class FullDiskFileSystem extends RawLocalFileSystem {
  public static final String SCHEME = "fulldisk";
  private static final URI NAME = URI.create(SCHEME + ":///");
  private static final AtomicLong FREE = new AtomicLong(Long.MAX_VALUE);
  private static volatile Predicate<String> fillAt = p -> false;
  private static volatile boolean stuck;

  /** A results root on this disk at a local directory. */
  public static String root(java.nio.file.Path dir) {
    return SCHEME + "://" + dir.toAbsolutePath();
  }

  /**
   * Fills the disk when a file whose path matches {@code trigger} is created (once); {@code
   * staysFull}: deleting gives no space back (another process takes it at once).
   */
  public static void fillWhenCreating(Predicate<String> trigger, boolean staysFull) {
    stuck = staysFull;
    fillAt = trigger;
  }

  /** Unlimited space again, no trigger. */
  public static void reset() {
    fillAt = p -> false;
    stuck = false;
    FREE.set(Long.MAX_VALUE);
  }

  @Override
  public URI getUri() {
    return NAME;
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  protected OutputStream createOutputStreamWithMode(Path f, boolean append, FsPermission mode)
      throws IOException {
    Predicate<String> trigger = fillAt;
    if (trigger.test(f.toUri().getPath())) {
      fillAt = p -> false;
      FREE.set(0);
    }
    return new FilterOutputStream(super.createOutputStreamWithMode(f, append, mode)) {
      @Override
      public void write(int b) throws IOException {
        take(1);
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        take(len);
        out.write(b, off, len);
      }
    };
  }

  @Override
  public boolean delete(Path p, boolean recursive) throws IOException {
    File file = pathToFile(p);
    long bytes = file.exists() ? FileUtils.sizeOf(file) : 0;
    boolean deleted = super.delete(p, recursive);
    if (deleted && !stuck) {
      FREE.getAndUpdate(free -> free > Long.MAX_VALUE - bytes ? Long.MAX_VALUE : free + bytes);
    }
    return deleted;
  }

  private static void take(long bytes) throws IOException {
    if (FREE.getAndUpdate(free -> free == Long.MAX_VALUE || free < bytes ? free : free - bytes)
        < bytes) {
      throw new IOException("No space left on device");
    }
  }
}

package io.adversarialprune.job.results;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.LockManager;

/**
 * The embedded Hadoop catalog's commit lock. A Hadoop catalog commits a table by renaming its next
 * metadata file into place, after checking that no other commit took that version; on a local disk
 * a rename overwrites, so two processes committing the same table at once could both pass the check
 * and one commit would be lost. This lock closes that: within the JVM a map of holders, and across
 * processes on a local disk an OS file lock on {@code .commit.lock} in the table's metadata
 * directory (a lock per table: Iceberg locks the version file it is about to create). On HDFS the
 * rename itself refuses an existing file, so the in-JVM lock is all that is needed there.
 *
 * <p>It needs no thread, unlike Iceberg's default in-memory lock manager, whose heartbeat scheduler
 * Iceberg shuts down in its own JVM shutdown hook: the job's SIGTERM hook, which commits the
 * INTERRUPTED row at the same time, could not take that lock. Thread-safe.
 */
public final class JvmLockManager implements LockManager {
  private static final Map<String, Held> HELD = new ConcurrentHashMap<>();

  /** How long {@link #acquire} waits for a lock another thread or process holds. */
  private static final long TIMEOUT_MS = 120_000;

  private record Held(String owner, FileChannel channel, FileLock lock) {}

  @Override
  public boolean acquire(String entityId, String ownerId) {
    String key = lockKey(entityId);
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    while (true) {
      Held mine = new Held(ownerId, null, null);
      Held holder = HELD.putIfAbsent(key, mine);
      if (holder == null) {
        Held locked = lockFile(key, ownerId, deadline);
        if (locked != null) {
          HELD.put(key, locked);
          return true;
        }
        HELD.remove(key, mine);
        return false;
      }
      if (holder.owner().equals(ownerId)) {
        return true;
      }
      if (!sleepUntil(deadline)) {
        return false;
      }
    }
  }

  @Override
  public boolean release(String entityId, String ownerId) {
    String key = lockKey(entityId);
    Held held = HELD.get(key);
    if (held == null || !held.owner().equals(ownerId)) {
      return false;
    }
    try {
      if (held.lock() != null) {
        held.lock().release();
        held.channel().close();
      }
    } catch (IOException e) {
      // the lock goes with the channel when the process ends
    }
    return HELD.remove(key, held);
  }

  /** The table's lock file for a local entity (a metadata file path), else the entity itself. */
  private static String lockKey(String entityId) {
    Path local = localPath(entityId);
    return local == null ? entityId : local.resolveSibling(".commit.lock").toString();
  }

  private static Path localPath(String entityId) {
    try {
      URI uri = URI.create(entityId);
      if (uri.getScheme() == null) {
        return Path.of(entityId);
      }
      return "file".equals(uri.getScheme()) ? Path.of(uri) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Takes the OS lock on a local lock file, waiting for another process; null at the deadline. */
  private static Held lockFile(String key, String ownerId, long deadline) {
    if (localPath(key) == null) {
      return new Held(ownerId, null, null);
    }
    try {
      FileChannel channel =
          FileChannel.open(Path.of(key), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      while (true) {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          return new Held(ownerId, channel, lock);
        }
        if (!sleepUntil(deadline)) {
          channel.close();
          return null;
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot lock " + key, e);
    }
  }

  private static boolean sleepUntil(long deadline) {
    if (System.currentTimeMillis() > deadline) {
      return false;
    }
    try {
      Thread.sleep(5);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void initialize(Map<String, String> properties) {}

  @Override
  public void close() {}
}

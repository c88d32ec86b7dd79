package io.adversarialprune.job.results;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.LockManager;

/**
 * The embedded Hadoop catalog's commit lock, within this JVM: Iceberg's default in-memory lock
 * manager heartbeats on a scheduler that Iceberg shuts down in its own JVM shutdown hook, so a
 * commit made by the job's SIGTERM hook (the INTERRUPTED row), which runs at the same time, could
 * not take the lock. This one needs no thread. As the default, it guards commits within one JVM
 * only; between processes a Hadoop catalog relies on its metadata file's rename.
 */
public final class JvmLockManager implements LockManager {
  private static final Map<String, String> HELD = new ConcurrentHashMap<>();

  /** How long {@link #acquire} waits for a lock another thread holds. */
  private static final long TIMEOUT_MS = 60_000;

  @Override
  public boolean acquire(String entityId, String ownerId) {
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    while (true) {
      String holder = HELD.putIfAbsent(entityId, ownerId);
      if (holder == null || holder.equals(ownerId)) {
        return true;
      }
      if (System.currentTimeMillis() > deadline) {
        return false;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  @Override
  public boolean release(String entityId, String ownerId) {
    return HELD.remove(entityId, ownerId);
  }

  @Override
  public void initialize(Map<String, String> properties) {}

  @Override
  public void close() {}
}

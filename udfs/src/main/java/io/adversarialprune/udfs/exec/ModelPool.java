package io.adversarialprune.udfs.exec;

import ai.djl.Device;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.MemoryFormat;
import io.adversarialprune.udfs.model.Normalization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loaded models, one {@link ModelSlot} per concurrent borrower.
 *
 * <pre>{@code
 * try (ModelPool.Lease lease = pool.borrow(key)) {
 *   ModelSlot slot = lease.slot();
 *   slot.prune(spec, seed);
 *   ... attack slot.classifier() ...
 * } // restores the original weights and returns the slot
 * }</pre>
 *
 * <p>Each lease has a slot to itself: a unit prunes its model's weights in place, so a classifier
 * is never used by two threads at once. Closing a lease restores the slot's original weights and
 * returns it to the pool, and the next borrower of the same key reuses it, so a model file is
 * loaded at most once per concurrent task slot, not once per unit. A borrower that cannot vouch for
 * the slot (a prune, an attack or the restore failed) calls {@link Lease#discard()} instead, which
 * closes it.
 *
 * <p>Lifecycle: the pool's creator owns it and closes it; closing frees the idle slots, and lent
 * ones are freed when they come back. (The sweep's executors hold theirs in the job's {@code
 * ExecutorCache}, for the JVM's life.)
 *
 * <p>Thread-safety: all methods are thread-safe; loads for different borrowers run in parallel.
 * Leases are not thread-safe and belong to the borrowing thread.
 */
public final class ModelPool implements AutoCloseable {

  /**
   * What identifies interchangeable classifiers.
   *
   * @param file the TorchScript file
   * @param device the DJL device
   * @param normalization normalization inside the forward
   * @param shape input shape
   * @param mode differentiable (attack source) or inference only (transfer target)
   * @param memoryFormat the layout batches are handed to the module in
   * @param fileVersion the file's size and modification time when the key was made: a model
   *     replaced at the same path (a retrained nightly model) is a new key, never the old slots
   */
  public record Key(
      Path file,
      Device device,
      Normalization normalization,
      InputShape shape,
      Classifier.Mode mode,
      MemoryFormat memoryFormat,
      String fileVersion) {

    /**
     * Normalizes the path and resolves {@link MemoryFormat#AUTO} for the device, so that equal
     * files and layouts give equal keys.
     */
    public Key {
      file = file.toAbsolutePath().normalize();
      memoryFormat = memoryFormat.resolve(device);
    }

    /** The key of {@code file} as it is now ({@link #fileVersion} read from the file system). */
    public Key(
        Path file,
        Device device,
        Normalization normalization,
        InputShape shape,
        Classifier.Mode mode,
        MemoryFormat memoryFormat) {
      this(
          file,
          device,
          normalization,
          shape,
          mode,
          memoryFormat,
          version(file.toAbsolutePath().normalize()));
    }

    private static String version(Path file) {
      try {
        return Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
      } catch (IOException e) {
        return "unreadable"; // loading it fails with the file's own error
      }
    }
  }

  private final Map<Key, Deque<ModelSlot>> idle = new ConcurrentHashMap<>();
  private final AtomicLong loads = new AtomicLong();
  private volatile boolean closed;

  /**
   * Lends a slot for {@code key}: an idle one if there is one, else one with a newly loaded
   * classifier.
   *
   * @throws IllegalStateException when loading fails (see {@link Classifier#load}) or the pool is
   *     closed
   */
  public Lease borrow(Key key) {
    if (closed) {
      throw new IllegalStateException("model pool is closed");
    }
    ModelSlot slot = idle.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).poll();
    if (slot == null) {
      slot =
          new ModelSlot(
              Classifier.load(
                  key.file(),
                  key.device(),
                  key.normalization(),
                  key.shape(),
                  key.mode(),
                  key.memoryFormat()));
      loads.incrementAndGet();
    }
    return new Lease(key, slot);
  }

  /** How many classifiers this pool has loaded so far. */
  public long loads() {
    return loads.get();
  }

  /** Closes the idle slots and refuses new borrows; lent ones are closed on return. */
  @Override
  public void close() {
    closed = true;
    List<ModelSlot> toClose = new ArrayList<>();
    for (Deque<ModelSlot> deque : idle.values()) {
      for (ModelSlot s = deque.poll(); s != null; s = deque.poll()) {
        toClose.add(s);
      }
    }
    toClose.forEach(ModelSlot::close);
  }

  private void giveBack(Key key, ModelSlot slot) {
    if (closed) {
      slot.close();
      return;
    }
    idle.get(key).push(slot);
    if (closed && idle.get(key).remove(slot)) {
      slot.close(); // the pool closed while we were returning it
    }
  }

  /** One borrower's exclusive use of a slot; closing it returns the slot, restored. */
  public final class Lease implements AutoCloseable {
    private final Key key;
    private ModelSlot slot;

    private Lease(Key key, ModelSlot slot) {
      this.key = key;
      this.slot = slot;
    }

    /** The lent slot; valid until this lease is closed. */
    public ModelSlot slot() {
      if (slot == null) {
        throw new IllegalStateException("lease of " + key.file() + " is closed");
      }
      return slot;
    }

    /** The lent slot's classifier. */
    public Classifier classifier() {
      return slot().classifier();
    }

    /**
     * Closes the slot instead of returning it (its weights or state cannot be vouched for).
     * Idempotent.
     */
    public void discard() {
      if (slot != null) {
        ModelSlot s = slot;
        slot = null;
        s.close();
      }
    }

    /**
     * Restores the slot's original weights and returns it to the pool; a slot whose restore fails
     * is discarded, and the failure thrown. Idempotent.
     */
    @Override
    public void close() {
      if (slot == null) {
        return;
      }
      try {
        slot.restore();
      } catch (RuntimeException | Error e) {
        discard();
        throw e;
      }
      ModelSlot s = slot;
      slot = null;
      giveBack(key, s);
    }
  }
}

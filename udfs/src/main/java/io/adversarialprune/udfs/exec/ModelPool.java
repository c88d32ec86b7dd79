package io.adversarialprune.udfs.exec;

import ai.djl.Device;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.MemoryFormat;
import io.adversarialprune.udfs.model.Normalization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A per-JVM holder of loaded {@link Classifier}s, one per concurrent borrower.
 *
 * <pre>{@code
 * try (ModelPool.Lease lease = ModelPool.shared().borrow(key)) {
 *   Classifier model = lease.classifier();
 *   ... prune, attack, restore ...
 * }
 * }</pre>
 *
 * <p>Each lease has a classifier to itself: a row prunes its model's weights in place, so a
 * classifier is never used by two threads at once. Closing a lease returns its classifier to the
 * pool and the next borrower of the same key reuses it, so a model file is loaded at most once per
 * concurrent task slot, not once per unit. A borrower must hand the classifier back in the state it
 * got it (restore pruned weights before closing the lease); a borrower that cannot (the restore
 * failed) should call {@link Lease#discard()} instead, which closes the classifier.
 *
 * <p>Lifecycle: {@link #shared()} is created lazily on first use and lives as long as the JVM (an
 * executor); its classifiers are freed when the process exits or by {@link #close()}. A pool made
 * with the public constructor (tests, tools) is owned and closed by its creator.
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
   */
  public record Key(
      Path file,
      Device device,
      Normalization normalization,
      InputShape shape,
      Classifier.Mode mode,
      MemoryFormat memoryFormat) {

    /**
     * Normalizes the path and resolves {@link MemoryFormat#AUTO} for the device, so that equal
     * files and layouts give equal keys.
     */
    public Key {
      file = file.toAbsolutePath().normalize();
      memoryFormat = memoryFormat.resolve(device);
    }

    /** A key in the {@link MemoryFormat#AUTO} layout. */
    public Key(
        Path file,
        Device device,
        Normalization normalization,
        InputShape shape,
        Classifier.Mode mode) {
      this(file, device, normalization, shape, mode, MemoryFormat.AUTO);
    }

    /**
     * A key for an attack source ({@link Classifier.Mode#DIFFERENTIABLE}) in the {@link
     * MemoryFormat#AUTO} layout.
     */
    public static Key of(Path file, Device device, Normalization normalization, InputShape shape) {
      return new Key(file, device, normalization, shape, Classifier.Mode.DIFFERENTIABLE);
    }
  }

  private static volatile ModelPool shared;

  private final Map<Key, Deque<Classifier>> idle = new ConcurrentHashMap<>();
  private final AtomicLong loads = new AtomicLong();
  private volatile boolean closed;

  /** A private pool; its creator closes it. Most code wants {@link #shared()}. */
  public ModelPool() {}

  /** The JVM-wide pool, created on first use. */
  public static ModelPool shared() {
    ModelPool pool = shared;
    if (pool == null) {
      synchronized (ModelPool.class) {
        pool = shared;
        if (pool == null) {
          pool = new ModelPool();
          shared = pool;
        }
      }
    }
    return pool;
  }

  /**
   * Lends a classifier for {@code key}: an idle one if there is one, else a newly loaded one.
   *
   * @throws IllegalStateException when loading fails (see {@link Classifier#load}) or the pool is
   *     closed
   */
  public Lease borrow(Key key) {
    if (closed) {
      throw new IllegalStateException("model pool is closed");
    }
    Classifier classifier = idle.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).poll();
    if (classifier == null) {
      classifier =
          Classifier.load(
              key.file(),
              key.device(),
              key.normalization(),
              key.shape(),
              key.mode(),
              key.memoryFormat());
      loads.incrementAndGet();
    }
    return new Lease(key, classifier);
  }

  /** How many classifiers this pool has loaded so far. */
  public long loads() {
    return loads.get();
  }

  /** Closes the idle classifiers and refuses new borrows; lent ones are closed on return. */
  @Override
  public void close() {
    closed = true;
    List<Classifier> toClose = new ArrayList<>();
    for (Deque<Classifier> deque : idle.values()) {
      for (Classifier c = deque.poll(); c != null; c = deque.poll()) {
        toClose.add(c);
      }
    }
    toClose.forEach(Classifier::close);
  }

  private void giveBack(Key key, Classifier classifier) {
    if (closed) {
      classifier.close();
      return;
    }
    idle.get(key).push(classifier);
    if (closed && idle.get(key).remove(classifier)) {
      classifier.close(); // the pool closed while we were returning it
    }
  }

  /** One borrower's exclusive use of a classifier; closing it returns the classifier. */
  public final class Lease implements AutoCloseable {
    private final Key key;
    private Classifier classifier;

    private Lease(Key key, Classifier classifier) {
      this.key = key;
      this.classifier = classifier;
    }

    /** The lent classifier; valid until this lease is closed. */
    public Classifier classifier() {
      if (classifier == null) {
        throw new IllegalStateException("lease of " + key.file() + " is closed");
      }
      return classifier;
    }

    /** Closes the classifier instead of returning it (e.g. its weights could not be restored). */
    public void discard() {
      if (classifier != null) {
        classifier.close();
        classifier = null;
      }
    }

    /** Returns the classifier to the pool. Idempotent. */
    @Override
    public void close() {
      if (classifier != null) {
        giveBack(key, classifier);
        classifier = null;
      }
    }
  }
}

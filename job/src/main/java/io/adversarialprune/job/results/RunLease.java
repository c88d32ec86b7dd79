package io.adversarialprune.job.results;

import io.adversarialprune.job.UserInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per run id: the driver that writes a run holds its lease, a file {@code
 * ROOT/_leases/SWEEP/RUN_ID} naming the holder (app id, host, pid, when it took the lease).
 *
 * <ul>
 *   <li><b>Acquire</b> creates the file atomically, create-if-absent: {@code O_EXCL} on a local
 *       disk, {@code create(overwrite=false)} elsewhere (atomic on HDFS, where the NameNode
 *       decides; object stores without conditional writes give no such guarantee). A second driver
 *       finds the file and stops with a {@link UserInputException} (exit 2) naming the holder,
 *       before it writes anything.
 *   <li><b>Heartbeat</b>: while held, a daemon thread sets the file's modification time every
 *       {@link Timing#heartbeat()}, and checks that the file still names this holder.
 *   <li><b>Stale leases</b> are taken over, so that a rerun resumes a run whose driver was killed:
 *       a lease whose heartbeat is older than {@link Timing#expiry()}; or, at once, one whose
 *       holder ran on this host in a process that has exited (pid and process start time compared,
 *       as the lock files of other batch tools do), or one that an earlier attempt of this
 *       application holds (YARN restarts an application attempt, maybe on another host, only once
 *       the last one is gone). Drivers' clocks must agree to well within the expiry. Taking over
 *       moves the stale file aside by rename, and puts it back if it turns out not to be the one
 *       judged stale; a holder that loses its lease all the same learns it at its next heartbeat or
 *       at {@link #checkHeld()}, which the run calls before it commits.
 *   <li><b>Close</b> stops the heartbeat and deletes the file if it is still this holder's, and the
 *       lease directories when they are empty.
 * </ul>
 *
 * <p>Thread-safe: the heartbeat thread and the driver's thread share it; {@link #close()} may be
 * called once from any thread.
 */
public final class RunLease implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunLease.class);

  /** How often a holder touches its lease, and after how long without a touch it is stale. */
  public record Timing(Duration heartbeat, Duration expiry) {
    public static final Timing DEFAULT = new Timing(Duration.ofSeconds(10), Duration.ofSeconds(60));
  }

  /** Who holds a lease: the file's content, as Java properties. */
  record Holder(
      String token,
      String appId,
      String attempt,
      String host,
      long pid,
      long processStart,
      Instant acquired) {

    static Holder current(String appId, String attempt) {
      ProcessHandle self = ProcessHandle.current();
      return new Holder(
          UUID.randomUUID().toString(),
          appId,
          attempt == null ? "" : attempt,
          HOST,
          self.pid(),
          self.info().startInstant().map(Instant::toEpochMilli).orElse(-1L),
          Instant.now());
    }

    byte[] toBytes() {
      Properties p = new Properties();
      p.setProperty("token", token);
      p.setProperty("app_id", appId);
      p.setProperty("attempt", attempt);
      p.setProperty("host", host);
      p.setProperty("pid", Long.toString(pid));
      p.setProperty("process_start", Long.toString(processStart));
      p.setProperty("acquired", acquired.toString());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        p.store(out, "lease of a run: the driver that writes it");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return out.toByteArray();
    }

    /** The holder a lease file names, or null when it does not (being created, or damaged). */
    static Holder parse(byte[] bytes) {
      Properties p = new Properties();
      try {
        p.load(new ByteArrayInputStream(bytes));
        return new Holder(
            p.getProperty("token"),
            p.getProperty("app_id"),
            p.getProperty("attempt", ""),
            p.getProperty("host"),
            Long.parseLong(p.getProperty("pid")),
            Long.parseLong(p.getProperty("process_start")),
            Instant.parse(p.getProperty("acquired")));
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }

    /**
     * Why this holder's driver is known to be gone: it ran on this host and its process has exited
     * (its pid is free, or now another process's: the start times differ); null while it may be
     * alive, or when it ran on another host.
     */
    String goneFromThisHost() {
      if (!HOST.equals(host)) {
        return null;
      }
      String exited = "its driver process " + pid + " on this host has exited";
      java.util.Optional<ProcessHandle> process = ProcessHandle.of(pid);
      if (process.isEmpty()) {
        return exited;
      }
      Instant start = process.get().info().startInstant().orElse(null);
      if (processStart < 0 || start == null || start.toEpochMilli() == processStart) {
        return null;
      }
      return exited
          + " (pid "
          + pid
          + " is now another process's, started "
          + start
          + ", not "
          + Instant.ofEpochMilli(processStart)
          + ")";
    }

    /** Whether this holder is an earlier attempt of the application {@code other} is part of. */
    boolean earlierAttemptOf(Holder other) {
      return appId.equals(other.appId) && !attempt.equals(other.attempt);
    }

    @Override
    public String toString() {
      return "app "
          + appId
          + (attempt.isEmpty() ? "" : " attempt " + attempt)
          + " (host "
          + host
          + ", pid "
          + pid
          + ") since "
          + acquired;
    }
  }

  /** A lease file as found: its bytes, whom they name (null if nobody), its last heartbeat. */
  private record Found(byte[] bytes, Holder holder, long heartbeatMillis) {}

  private static final String HOST = hostName();

  private final FileSystem fs;
  private final Path file;
  private final Holder self;
  private final String run;
  private final ScheduledExecutorService heartbeat;
  private volatile String lost;
  private boolean closed;

  private RunLease(FileSystem fs, Path file, Holder self, String run, Timing timing) {
    this.fs = fs;
    this.file = file;
    this.self = self;
    this.run = run;
    this.heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "run-lease-heartbeat " + run);
              t.setDaemon(true);
              return t;
            });
    long every = timing.heartbeat().toMillis();
    heartbeat.scheduleWithFixedDelay(this::beatQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Acquires the lease of run {@code runId} of {@code sweep}, taking over a stale one.
   *
   * @param appId the Spark application id of this driver
   * @param attempt its application attempt id (YARN cluster mode), or null
   * @param timing heartbeat and staleness ({@link Timing#DEFAULT} but in tests)
   * @throws UserInputException when another driver holds it (naming that driver)
   */
  public static RunLease acquire(
      ResultsLayout layout,
      String sweep,
      String runId,
      String appId,
      String attempt,
      Configuration conf,
      Timing timing)
      throws IOException {
    Path file = layout.lease(sweep, runId);
    FileSystem fs = unwrap(file.getFileSystem(conf));
    Holder self = Holder.current(appId, attempt);
    String run = "run " + runId + " of sweep " + sweep;
    fs.mkdirs(file.getParent());
    for (int tries = 0; tries < 5; tries++) {
      if (createExclusive(fs, file, self.toBytes())) {
        LOG.debug("{}: lease {} taken by {}", run, file, self);
        return new RunLease(fs, file, self, run, timing);
      }
      Found other = find(fs, file);
      if (other == null) {
        continue; // released meanwhile
      }
      long age = System.currentTimeMillis() - other.heartbeatMillis();
      String stale = staleness(other, age, timing, self);
      if (stale == null) {
        throw new UserInputException(
            run
                + " is being written by "
                + (other.holder() == null
                    ? "another driver (its lease file is being created, or is unreadable)"
                    : other.holder().toString())
                + ", last heartbeat "
                + Math.max(0, age / 1000)
                + " s ago; wait for it to end,"
                + " or, if that driver is gone, for its lease "
                + file
                + " to expire "
                + timing.expiry().toSeconds()
                + " s after its last heartbeat");
      }
      LOG.warn("{}: taking over the lease of {}: {}", run, other.holder(), stale);
      moveAsideIfUnchanged(fs, file, other, self.token());
    }
    throw new IOException(run + ": lease " + file + " changed hands too often to be acquired");
  }

  /** Why a lease found is stale, or null while its holder may be alive. */
  private static String staleness(Found found, long age, Timing timing, Holder self) {
    Holder h = found.holder();
    if (age > timing.expiry().toMillis()) {
      return "no heartbeat for " + age / 1000 + " s";
    }
    String gone = h == null ? null : h.goneFromThisHost();
    if (gone != null) {
      return gone;
    }
    if (h != null && h.earlierAttemptOf(self)) {
      return "it is an earlier attempt of this application";
    }
    return null;
  }

  /**
   * Checks, against the file itself, that this driver still holds the lease.
   *
   * @throws IllegalStateException when it was taken over (then another driver writes the run, and
   *     this one must not commit)
   */
  public void checkHeld() {
    beatQuietly();
    if (lost != null) {
      throw new IllegalStateException(run + " lost its lease " + file + ": " + lost);
    }
  }

  /** The token this holder wrote into the lease file: executors check it before they commit. */
  public String token() {
    return self.token();
  }

  /**
   * Whether the lease file {@code file} names the holder of {@code token}: the fencing check of a
   * writer that is not the driver (an executor committing a unit), which holds no {@link RunLease}.
   */
  public static boolean names(FileSystem fs, Path file, String token) throws IOException {
    Found found = find(fs, file);
    return found != null && found.holder() != null && token.equals(found.holder().token());
  }

  /** Why the lease was lost, or null while it is held. */
  public String lost() {
    return lost;
  }

  /** Stops the heartbeat; deletes the lease (if still held) and its directories if empty. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true; // a heartbeat from now on does nothing
    }
    heartbeat.shutdownNow();
    try {
      heartbeat.awaitTermination(10, TimeUnit.SECONDS);
      Found found = find(fs, file);
      if (found != null && found.holder() != null && self.token().equals(found.holder().token())) {
        fs.delete(file, false);
      }
      ResultsRoot.deleteEmptyDirs(fs, file.getParent(), 2);
    } catch (IOException e) {
      LOG.warn("{}: could not release lease {}: {}", run, file, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private synchronized void beatQuietly() {
    if (closed || lost != null) {
      return;
    }
    try {
      Found found = find(fs, file);
      if (found == null) {
        lost = "its file is gone";
      } else if (found.holder() == null || !self.token().equals(found.holder().token())) {
        lost = "it now names " + (found.holder() == null ? "nobody" : found.holder());
      } else {
        fs.setTimes(file, System.currentTimeMillis(), -1);
      }
      if (lost != null) {
        LOG.error("{} lost its lease {}: {}", run, file, lost);
      }
    } catch (IOException e) {
      // Transient trouble with the file system: the lease lapses only after its expiry.
      LOG.warn("{}: lease heartbeat failed: {}", run, e.toString());
    }
  }

  private static Found find(FileSystem fs, Path file) throws IOException {
    try {
      long heartbeat = fs.getFileStatus(file).getModificationTime();
      byte[] bytes;
      try (InputStream in = fs.open(file)) {
        bytes = in.readAllBytes();
      }
      return new Found(bytes, Holder.parse(bytes), heartbeat);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  private static boolean createExclusive(FileSystem fs, Path file, byte[] bytes)
      throws IOException {
    if (ResultsRoot.isLocal(fs)) {
      try {
        Files.write(
            local(fs, file), bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(file, false)) {
      out.write(bytes);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    }
  }

  /**
   * Moves a stale lease out of the way: renamed aside (only one contender's rename can succeed),
   * then deleted if it is the file judged stale, else put back where it was.
   */
  private static void moveAsideIfUnchanged(FileSystem fs, Path file, Found stale, String token)
      throws IOException {
    Path aside = new Path(file.getParent(), "." + file.getName() + ".stale-" + token);
    if (!fs.rename(file, aside)) {
      return; // gone already: another contender moved it
    }
    Found moved = find(fs, aside);
    if (moved != null && !Arrays.equals(moved.bytes(), stale.bytes())) {
      // A contender took the lease over between our look and our rename: give it back.
      if (!putBack(fs, aside, file)) {
        LOG.warn(
            "lease {} of {} could not be put back; its holder will find it lost",
            file,
            moved.holder());
      }
    }
    fs.delete(aside, false);
  }

  private static boolean putBack(FileSystem fs, Path aside, Path file) throws IOException {
    if (ResultsRoot.isLocal(fs)) {
      try {
        Files.createLink(local(fs, file), local(fs, aside)); // fails if the name is taken
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    return fs.rename(aside, file); // HDFS refuses to rename onto an existing file
  }

  /** Local files without checksum side files: the lease is small and rewritten in place. */
  private static FileSystem unwrap(FileSystem fs) {
    return fs instanceof LocalFileSystem local ? local.getRaw() : fs;
  }

  private static java.nio.file.Path local(FileSystem fs, Path p) {
    return ResultsRoot.localPath(fs, p);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  @Override
  public String toString() {
    return "lease " + file + " of " + run + " held by " + self;
  }

  /** For tests: the holder this lease names. */
  Holder holder() {
    return self;
  }

  static String host() {
    return HOST;
  }
}

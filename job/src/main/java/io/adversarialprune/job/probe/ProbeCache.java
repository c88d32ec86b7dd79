package io.adversarialprune.job.probe;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Engine probe verdicts on disk, one properties file per {@link ProbeKey} ({@code
 * engine-probe-<digest>.properties}) holding the key's fields and the verdict, so a person can read
 * why a host runs capped and delete the file to probe again. A file whose fields differ from the
 * key (a digest collision, a hand edit) or that cannot be parsed is a miss, never an error: the
 * worst a bad cache does is one more probe.
 *
 * <p>Thread- and process-safe for concurrent launchers: a verdict is written beside its file and
 * moved into place atomically; two launchers probing at once both write the same verdict.
 */
public final class ProbeCache {
  private final Path dir;

  /** A cache in {@code dir}, created on the first write. */
  public ProbeCache(Path dir) {
    this.dir = dir;
  }

  /**
   * The default directory: {@code $XDG_CACHE_HOME/adversarial-prune}, else {@code
   * ~/.cache/adversarial-prune}.
   */
  public static Path defaultDirectory(Map<String, String> env) {
    String xdg = env.get("XDG_CACHE_HOME");
    Path base =
        xdg == null || xdg.isBlank()
            ? Path.of(System.getProperty("user.home"), ".cache")
            : Path.of(xdg);
    return base.resolve("adversarial-prune");
  }

  /** The file {@code key}'s verdict lives in. */
  public Path file(ProbeKey key) {
    return dir.resolve("engine-probe-" + key.digest() + ".properties");
  }

  /** The cached verdict for {@code key}, or empty (no file, other key, unreadable). */
  public Optional<ProbeVerdict> read(ProbeKey key) {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file(key), StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
    for (Map.Entry<String, String> f : key.fields().entrySet()) {
      if (!f.getValue().equals(p.getProperty(f.getKey()))) {
        return Optional.empty();
      }
    }
    String passed = p.getProperty("passed");
    String detail = p.getProperty("detail");
    String at = p.getProperty("checked-at");
    if (!("true".equals(passed) || "false".equals(passed)) || detail == null || at == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ProbeVerdict(Boolean.parseBoolean(passed), detail, Instant.parse(at)));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** Stores {@code verdict} for {@code key}, replacing any earlier one. */
  public void write(ProbeKey key, ProbeVerdict verdict) {
    Properties p = new Properties();
    key.fields().forEach(p::setProperty);
    p.setProperty("passed", Boolean.toString(verdict.passed()));
    p.setProperty("detail", verdict.detail());
    p.setProperty("checked-at", verdict.checkedAt().toString());
    p.setProperty("isa-cap", verdict.isaCap());
    Path target = file(key);
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".engine-probe-", ".tmp");
      try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        p.store(out, "adversarial-prune engine probe (deploy/README.md); delete to probe again");
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write engine probe verdict " + target, e);
    }
  }
}

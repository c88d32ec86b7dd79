package io.adversarialprune.job.probe;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** This host's CPU as oneDNN's kernel choice sees it. Stateless. */
public final class HostCpu {
  private static final List<String> FIELDS =
      List.of("vendor_id", "cpu family", "model", "model name", "stepping", "flags");

  private HostCpu() {}

  /**
   * One line: the first processor's vendor, family, model, name, stepping and every flag from
   * {@code cpuinfo}, the logical CPU count, and the cache levels and sizes the OS reports under
   * {@code cpuDir} ("caches none" where it reports none, as on the VM whose oneDNN kernels were
   * wrong).
   */
  static String fingerprint(Path cpuinfo, Path cpuDir, int processors) {
    Map<String, String> seen = new TreeMap<>();
    try {
      for (String line : Files.readAllLines(cpuinfo)) {
        int colon = line.indexOf(':');
        if (line.isBlank() && !seen.isEmpty()) {
          break; // the first processor only
        }
        if (colon > 0) {
          String key = line.substring(0, colon).trim();
          if (FIELDS.contains(key)) {
            seen.put(key, line.substring(colon + 1).trim());
          }
        }
      }
    } catch (IOException e) {
      seen.put("cpuinfo", "unreadable");
    }
    List<String> caches = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(cpuDir.resolve("cache"), "index*")) {
      for (Path d : dirs) {
        caches.add(
            read(d.resolve("level"))
                + ":"
                + read(d.resolve("type"))
                + ":"
                + read(d.resolve("size")));
      }
    } catch (IOException e) {
      // No cache directory: the OS knows no cache sizes.
    }
    caches.sort(null);
    return seen
        + " cpus "
        + processors
        + " caches "
        + (caches.isEmpty() ? "none" : String.join(",", caches));
  }

  /** {@link #fingerprint(Path, Path, int)} of this host. */
  public static String fingerprint() {
    return fingerprint(
        Path.of("/proc/cpuinfo"),
        Path.of("/sys/devices/system/cpu/cpu0"),
        Runtime.getRuntime().availableProcessors());
  }

  private static String read(Path p) {
    try {
      return Files.readString(p).trim();
    } catch (IOException e) {
      return "?";
    }
  }
}

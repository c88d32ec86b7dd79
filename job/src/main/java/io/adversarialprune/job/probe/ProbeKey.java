package io.adversarialprune.job.probe;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an uncapped engine check's verdict depends on, so a cached verdict is reused only where it
 * holds: the host's CPU as oneDNN sees it (model, family, stepping, every flag, and the cache sizes
 * the OS reports: the wrong kernels of docs/ONEDNN-AVX512.md need a CPU that reports none), the
 * libtorch build, the model file's bytes and how the check runs (batch size, threads, layout and
 * the check's settings).
 *
 * @param cpu {@link HostCpu#fingerprint()}
 * @param libtorch the libtorch build: version and flavor, and where it comes from
 * @param modelSha256 SHA-256 of the model file, hex
 * @param check the check's setting in words (batch size, threads, memory format, tolerances)
 */
public record ProbeKey(String cpu, String libtorch, String modelSha256, String check) {

  /** Validates that no field is blank. */
  public ProbeKey {
    for (Map.Entry<String, String> e : fields(cpu, libtorch, modelSha256, check).entrySet()) {
      if (e.getValue() == null || e.getValue().isBlank()) {
        throw new IllegalArgumentException("engine probe key: " + e.getKey() + " is blank");
      }
    }
  }

  /** The fields by name, in a fixed order (the cache file stores them under these names). */
  public Map<String, String> fields() {
    return fields(cpu, libtorch, modelSha256, check);
  }

  private static Map<String, String> fields(String cpu, String lib, String model, String check) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("cpu", cpu);
    m.put("libtorch", lib);
    m.put("model-sha256", model);
    m.put("check", check);
    return m;
  }

  /**
   * A stable name for this key's cache file: the first 32 hex digits of a SHA-256 of every field.
   */
  public String digest() {
    StringBuilder all = new StringBuilder();
    fields().forEach((k, v) -> all.append(k).append('=').append(v).append('\n'));
    return sha256(all.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 32);
  }

  /** SHA-256 of {@code bytes}, hex. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}

package io.adversarialprune.udfs.check;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the engine's numbers depend on beyond the model: the CPU and its vector ISA (oneDNN picks
 * its kernels by it), the ISA cap in force, or the GPU. Recorded with every {@link EngineCheck}.
 * Stateless.
 */
public final class Platform {

  /** The environment variable oneDNN reads, once, when libtorch loads. */
  public static final String ISA_CAP_VARIABLE = "ONEDNN_MAX_CPU_ISA";

  private static final List<String> ISA_FLAGS =
      List.of("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile");

  private Platform() {}

  /** The device in words: the CPU model and its ISA flags, or the CUDA device. */
  public static String describe(Device device) {
    if (Device.Type.GPU.equals(device.getDeviceType())) {
      String cc;
      try {
        cc = CudaUtils.getComputeCapability(device.getDeviceId());
      } catch (RuntimeException | UnsatisfiedLinkError e) {
        cc = "unknown";
      }
      return "CUDA device " + device.getDeviceId() + ", compute capability " + cc;
    }
    return cpu();
  }

  /** {@code "<model name> [flags]"} from /proc/cpuinfo, or the OS architecture elsewhere. */
  public static String cpu() {
    String model = System.getProperty("os.arch");
    Set<String> flags = new TreeSet<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name") && line.contains(":")) {
          model = line.substring(line.indexOf(':') + 1).trim();
        } else if (line.startsWith("flags") && line.contains(":")) {
          for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
            if (ISA_FLAGS.contains(f)) {
              flags.add(f);
            }
          }
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      return model;
    }
    return flags.isEmpty() ? model : model + " [" + String.join(" ", flags) + "]";
  }

  /** The oneDNN ISA cap of this process ({@value #ISA_CAP_VARIABLE}), or {@code "none"}. */
  public static String isaCap() {
    String cap = System.getenv(ISA_CAP_VARIABLE);
    return cap == null || cap.isBlank() ? "none" : cap;
  }
}

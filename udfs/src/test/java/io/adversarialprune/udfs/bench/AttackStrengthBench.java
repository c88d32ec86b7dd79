package io.adversarialprune.udfs.bench;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.attack.Apgd;
import io.adversarialprune.udfs.attack.ApgdT;
import io.adversarialprune.udfs.attack.AttackSpec;
import io.adversarialprune.udfs.attack.Fgsm;
import io.adversarialprune.udfs.attack.Gradients;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.attack.Predictions;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Normalization;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Remnant accuracy (the fraction of samples whose adversarial prediction is still the label) of
 * every attack on one model and the first N images of an IDX data set, with early stop off and on,
 * and the per-sample worst case over the attacks. Not a test; run by hand:
 *
 * <pre>
 * java -cp ... io.adversarialprune.udfs.bench.AttackStrengthBench MODEL IMAGES.gz LABELS.gz N BATCH
 *     MEAN STD [LINF_EPS,... (default 0.03)] [L2_EPS (default 1.0)]
 * </pre>
 *
 * e.g. the default model {@code job/src/main/resources/default/fashion-mnist-resnet.pt} on Debian's
 * {@code /usr/share/datasets/fashion-mnist/t10k-*.gz} (the images of the embedded default data set,
 * ids = row numbers), mean 0.2860, std 0.3530. Round-8bit is off for every attack so that the
 * figures compare the algorithms, not the rounding.
 */
public final class AttackStrengthBench {

  private AttackStrengthBench() {}

  public static void main(String[] args) throws IOException {
    Path file = Path.of(args[0]);
    int n = Integer.parseInt(args[3]);
    int batch = Integer.parseInt(args[4]);
    float mean = Float.parseFloat(args[5]);
    float std = Float.parseFloat(args[6]);
    InputShape shape = new InputShape(1, 28, 28);
    float[] pixels = images(Path.of(args[1]), n, shape.pixels());
    int[] labels = labels(Path.of(args[2]), n);
    long seed = 1L;
    List<AttackSpec> specs = new ArrayList<>();
    double[] epsList =
        java.util.Arrays.stream((args.length > 7 ? args[7] : "0.03").split(","))
            .mapToDouble(Double::parseDouble)
            .toArray();
    double l2Eps = args.length > 8 ? Double.parseDouble(args[8]) : 1.0;
    // Each attack with early stop off, then on, so the two sit side by side. PGD's step is
    // eps / 10 (0.003 at eps 0.03); PGD-L2's is 2.5 eps / steps.
    for (double eps : epsList) {
      for (boolean earlyStop : new boolean[] {false, true}) {
        specs.add(new Fgsm(eps, false, earlyStop));
      }
      for (boolean earlyStop : new boolean[] {false, true}) {
        specs.add(new Pgd("linf", eps, eps / 10, 10, true, 1, false, earlyStop));
      }
      for (boolean earlyStop : new boolean[] {false, true}) {
        specs.add(new Apgd(Apgd.Loss.CE, eps, 10, 1, 0.75, false, earlyStop));
      }
      for (boolean earlyStop : new boolean[] {false, true}) {
        specs.add(new Apgd(Apgd.Loss.CE, eps, 100, 1, 0.75, false, earlyStop));
      }
      for (boolean earlyStop : new boolean[] {false, true}) {
        specs.add(new Apgd(Apgd.Loss.DLR, eps, 100, 1, 0.75, false, earlyStop));
      }
      for (boolean earlyStop : new boolean[] {false, true}) {
        specs.add(new ApgdT(eps, 10, 1, 9, 0.75, false, earlyStop));
      }
    }
    for (boolean earlyStop : new boolean[] {false, true}) {
      specs.add(new Pgd("l2", l2Eps, 2.5 * l2Eps / 10, 10, true, 1, false, earlyStop));
    }
    try (Classifier model =
        Classifier.load(file, Device.cpu(), Normalization.uniform(1, mean, std), shape)) {
      System.out.printf(
          Locale.ROOT,
          "model=%s images=%d batch=%d threads=%d seed=%d%n",
          file.getFileName(),
          n,
          batch,
          JniUtils.getNumThreads(),
          seed);
      int[] clean = predict(model, labels, pixels, batch);
      System.out.printf(Locale.ROOT, "clean accuracy %.3f%n", accuracy(clean, labels));
      boolean[][] robust = new boolean[specs.size()][];
      for (int s = 0; s < specs.size(); s++) {
        AttackSpec spec = specs.get(s);
        long t0 = System.nanoTime();
        long cpu0 = processCpuNanos();
        long passes0 = Gradients.imagePasses();
        float[] adv = new float[pixels.length];
        int per = shape.pixels();
        for (int from = 0; from < n; from += batch) {
          int to = Math.min(n, from + batch);
          long[] ids = new long[to - from];
          int[] y = new int[to - from];
          for (int i = from; i < to; i++) {
            ids[i - from] = i;
            y[i - from] = labels[i];
          }
          float[] x = java.util.Arrays.copyOfRange(pixels, from * per, to * per);
          float[] a = spec.attack().perturb(model, seed, ids, y, x);
          System.arraycopy(a, 0, adv, from * per, a.length);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = (processCpuNanos() - cpu0) / 1e9;
        double passes = (double) (Gradients.imagePasses() - passes0) / n;
        int[] pred = predict(model, labels, adv, batch);
        robust[s] = new boolean[n];
        for (int i = 0; i < n; i++) {
          robust[s][i] = pred[i] == labels[i];
        }
        System.out.printf(
            Locale.ROOT,
            "%-62s passes<=%4d  done %6.2f/image  remnant acc %.3f  %7.1f s wall  %7.1f s cpu%n",
            spec.label(),
            spec.passes(),
            passes,
            accuracy(pred, labels),
            seconds,
            cpuSeconds);
      }
      for (double eps : epsList) {
        for (boolean earlyStop : new boolean[] {false, true}) {
          int linf = 0;
          int all = 0;
          for (int i = 0; i < n; i++) {
            boolean linfRobust = true;
            boolean allRobust = true;
            for (int s = 0; s < specs.size(); s++) {
              AttackSpec spec = specs.get(s);
              if (spec.label().contains("early-stop") != earlyStop) {
                continue;
              }
              if (spec.norm().equals("l2")) {
                allRobust &= robust[s][i];
              } else if (spec.eps() == eps) {
                linfRobust &= robust[s][i];
                allRobust &= robust[s][i];
              }
            }
            linf += linfRobust ? 1 : 0;
            all += allRobust ? 1 : 0;
          }
          System.out.printf(
              Locale.ROOT,
              "worst case per sample (early-stop %s): over the L-inf eps=%s attacks %.3f, and"
                  + " with PGD-L2 eps=%s %.3f%n",
              earlyStop,
              eps,
              (double) linf / n,
              l2Eps,
              (double) all / n);
        }
      }
    }
  }

  /**
   * CPU time of this process, all threads (libtorch's intra-op threads included): unlike wall time,
   * it barely moves when other processes share the machine.
   */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static int[] predict(Classifier model, int[] labels, float[] pixels, int batch) {
    int n = labels.length;
    int per = model.inputShape().pixels();
    int[] out = new int[n];
    for (int from = 0; from < n; from += batch) {
      int to = Math.min(n, from + batch);
      int[] pred =
          Predictions.of(
                  model,
                  java.util.Arrays.copyOfRange(labels, from, to),
                  java.util.Arrays.copyOfRange(pixels, from * per, to * per))
              .predictions();
      System.arraycopy(pred, 0, out, from, pred.length);
    }
    return out;
  }

  private static double accuracy(int[] pred, int[] labels) {
    int ok = 0;
    for (int i = 0; i < labels.length; i++) {
      ok += pred[i] == labels[i] ? 1 : 0;
    }
    return (double) ok / labels.length;
  }

  /** The first {@code n} images of an IDX3 file, bytes / 255 (as the job's ingest). */
  static float[] images(Path gz, int n, int per) throws IOException {
    try (InputStream raw = Files.newInputStream(gz);
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw))) {
      if (in.readInt() != 0x803) {
        throw new IOException(gz + " is not an IDX3 image file");
      }
      in.readInt();
      int rows = in.readInt();
      int cols = in.readInt();
      if (rows * cols != per) {
        throw new IOException(gz + " has " + rows + "x" + cols + " images, expected " + per);
      }
      byte[] bytes = new byte[n * per];
      in.readFully(bytes);
      float[] out = new float[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        out[i] = (bytes[i] & 0xff) / 255f;
      }
      return out;
    }
  }

  static int[] labels(Path gz, int n) throws IOException {
    try (InputStream raw = Files.newInputStream(gz);
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw))) {
      if (in.readInt() != 0x801) {
        throw new IOException(gz + " is not an IDX1 label file");
      }
      in.readInt();
      int[] out = new int[n];
      for (int i = 0; i < n; i++) {
        out[i] = in.readUnsignedByte();
      }
      return out;
    }
  }
}

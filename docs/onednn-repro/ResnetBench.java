import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Forward + input-gradient timing (and a dump of the results) of a TorchScript image classifier
 * through DJL, loaded as the project loads its attack models (trainParam=true, frozen parameters,
 * training-flag forward, eval-mode batch norm).
 *
 * <pre>
 *   java -Dai.djl.offline=true -cp "$(cat cp.txt)" ResnetBench.java MODEL.pt N C H W LAYOUT THREADS WARMUP ITERS [OUT.bin]
 * </pre>
 *
 * LAYOUT is nchw or nhwc (channels-last strides, as the project's Classifier). The input is the
 * same deterministic pattern as ConvRepro.java mapped to [-1, 1) (taken as already normalized),
 * labels are i % classes. One iteration = forward, summed cross-entropy, backward to the input.
 * Prints best and median milliseconds per iteration, wall clock and CPU time of the calling thread
 * (with THREADS=1 libtorch/oneDNN run on that thread, so the CPU time is less sensitive to other
 * load on a shared machine); OUT.bin gets logits then input gradient
 * (float32 little-endian) of the last iteration.
 */
public final class ResnetBench {
  /** Same deterministic pattern as ConvRepro.val / repro_conv.py pattern(): k/2^23 - 1. */
  static float val(long i, long salt) {
    long h = (i * 2654435761L + salt * 40503L + 12345L) & 0xFFFFFFFFL;
    h ^= h >>> 16;
    h = (h * 0x45d9f3bL) & 0xFFFFFFFFL;
    h ^= h >>> 16;
    h = (h * 0x45d9f3bL) & 0xFFFFFFFFL;
    h ^= h >>> 16;
    return (float) ((h >>> 8) / 8388608.0 - 1.0);
  }

  public static void main(String[] a) throws Exception {
    Path file = Path.of(a[0]);
    int n = Integer.parseInt(a[1]), c = Integer.parseInt(a[2]), h = Integer.parseInt(a[3]),
        w = Integer.parseInt(a[4]);
    boolean nhwc = a[5].equals("nhwc");
    int threads = Integer.parseInt(a[6]), warmup = Integer.parseInt(a[7]), iters = Integer.parseInt(a[8]);
    String out = a.length > 9 ? a[9] : null;
    Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(threads);
    JniUtils.setNumInteropThreads(1);
    float[] x = new float[n * c * h * w];
    for (int i = 0; i < x.length; i++) x[i] = val(i, 1);
    try (Model m = Model.newInstance("m", Device.cpu(), "PyTorch")) {
      m.load(file, file.getFileName().toString(), Map.of("trainParam", "true"));
      m.getBlock().freezeParameters(true);
      ParameterStore ps = new ParameterStore(m.getNDManager(), false);
      double[] ms = new double[iters];
      double[] cpu = new double[iters];
      java.lang.management.ThreadMXBean tmx = java.lang.management.ManagementFactory.getThreadMXBean();
      float[] lastLogits = null, lastGrad = null;
      for (int it = -warmup; it < iters; it++) {
        try (NDManager sm = m.getNDManager().newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray px = sm.create(x, new Shape(n, c, h, w));
          px.setRequiresGradient(true);
          NDArray in = px;
          if (nhwc) {
            in = px.transpose(0, 2, 3, 1).reshape(n, h * w * c).reshape(n, h, w, c).transpose(0, 3, 1, 2);
          }
          long t0 = System.nanoTime();
          long c0 = tmx.getCurrentThreadCpuTime();
          NDArray logits = m.getBlock().forward(ps, new NDList(in), true).singletonOrThrow();
          int classes = (int) logits.getShape().get(1);
          float[] lab = new float[n];
          for (int i = 0; i < n; i++) lab[i] = i % classes;
          NDArray y = sm.create(lab).toType(DataType.INT64, false).oneHot(classes);
          NDArray loss = logits.logSoftmax(1).mul(y).sum().neg();
          gc.backward(loss);
          NDArray g = px.getGradient();
          float[] gv = g.toFloatArray(); // forces completion
          long t1 = System.nanoTime();
          long c1 = tmx.getCurrentThreadCpuTime();
          if (it >= 0) {
            ms[it] = (t1 - t0) / 1e6;
            cpu[it] = (c1 - c0) / 1e6;
          }
          lastLogits = logits.toFloatArray();
          lastGrad = gv;
        }
      }
      double[] s = ms.clone();
      Arrays.sort(s);
      double[] sc = cpu.clone();
      Arrays.sort(sc);
      System.out.printf(
          "%s %s threads=%d ONEDNN_MAX_CPU_ISA=%s: wall best %.2f / median %.2f ms; calling-thread CPU best %.2f / median %.2f ms per fwd+bwd (N=%d, %d iters)%n",
          file.getFileName(), nhwc ? "nhwc" : "nchw", threads,
          System.getenv().getOrDefault("ONEDNN_MAX_CPU_ISA", "(unset)"), s[0], s[s.length / 2],
          sc[0], sc[sc.length / 2], n, iters);
      if (out != null) {
        ByteBuffer bb = ByteBuffer.allocate(4 * (lastLogits.length + lastGrad.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : lastLogits) bb.putFloat(f);
        for (float f : lastGrad) bb.putFloat(f);
        try (DataOutputStream os = new DataOutputStream(new FileOutputStream(out))) {
          os.write(bb.array());
        }
      }
    }
  }
}

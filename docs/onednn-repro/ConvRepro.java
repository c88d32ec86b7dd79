import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * float32 conv2d (no bias, dilation 1, groups 1) through DJL 0.36.0 / libtorch 2.7.1 on CPU, checked
 * against a float64 reference computed here in plain Java: the forward output and the input
 * gradient of sum(conv(x, w) * g), for an NCHW-contiguous and/or a channels-last (NHWC-strided) x.
 *
 * <pre>
 *   java -Dai.djl.offline=true -cp "$(cat cp.txt)" ConvRepro.java [options] N CIN COUT H W K STRIDE PAD
 *   java -Dai.djl.offline=true -cp "$(cat cp.txt)" ConvRepro.java [options] --sweep
 *   java -Dai.djl.offline=true -cp "$(cat cp.txt)" ConvRepro.java [options] --shapes "N,CIN,COUT,H,W,K,S,P;..."
 * options: --layout nchw|nhwc|both (default both)   --reps R (default 5)   --threads T (default: libtorch's)
 *          --quiet (sweep: print failing cases only)   --dump (print the values)
 * </pre>
 *
 * Inputs are a deterministic hash pattern (values k/2^23 - 1 in [-1, 1), exact in float32), the same
 * as repro_conv.py produces, so results can be compared across programs. The environment variable
 * ONEDNN_MAX_CPU_ISA (and ONEDNN_VERBOSE) must be set in the shell: oneDNN reads it once, when
 * libtorch loads.
 */
public final class ConvRepro {

  /** Deterministic value in [-1, 1) with 24 significant bits: exact in float32. */
  static float val(long i, long salt) {
    long h = (i * 2654435761L + salt * 40503L + 12345L) & 0xFFFFFFFFL;
    h ^= h >>> 16;
    h = (h * 0x45d9f3bL) & 0xFFFFFFFFL;
    h ^= h >>> 16;
    h = (h * 0x45d9f3bL) & 0xFFFFFFFFL;
    h ^= h >>> 16;
    return (float) ((h >>> 8) / 8388608.0 - 1.0);
  }

  static float[] pattern(int n, long salt) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = val(i, salt);
    }
    return a;
  }

  record Case(int n, int cin, int cout, int h, int w, int k, int s, int p) {
    int oh() {
      return (h + 2 * p - k) / s + 1;
    }

    int ow() {
      return (w + 2 * p - k) / s + 1;
    }

    boolean valid() {
      return h + 2 * p >= k && w + 2 * p >= k;
    }

    @Override
    public String toString() {
      return String.format(
          "N=%d Cin=%d Cout=%d H=%d W=%d k=%d stride=%d pad=%d", n, cin, cout, h, w, k, s, p);
    }
  }

  /** float64 reference forward, NCHW. */
  static double[] refForward(Case c, float[] x, float[] wt) {
    int oh = c.oh(), ow = c.ow();
    double[] y = new double[c.n * c.cout * oh * ow];
    for (int b = 0; b < c.n; b++)
      for (int co = 0; co < c.cout; co++)
        for (int i = 0; i < oh; i++)
          for (int j = 0; j < ow; j++) {
            double acc = 0;
            for (int ci = 0; ci < c.cin; ci++)
              for (int ki = 0; ki < c.k; ki++)
                for (int kj = 0; kj < c.k; kj++) {
                  int yi = i * c.s - c.p + ki, xj = j * c.s - c.p + kj;
                  if (yi < 0 || yi >= c.h || xj < 0 || xj >= c.w) continue;
                  acc +=
                      (double) x[((b * c.cin + ci) * c.h + yi) * c.w + xj]
                          * wt[((co * c.cin + ci) * c.k + ki) * c.k + kj];
                }
            y[((b * c.cout + co) * oh + i) * ow + j] = acc;
          }
    return y;
  }

  /** float64 reference of d/dx sum(conv(x, w) * g), NCHW. */
  static double[] refGradInput(Case c, float[] g, float[] wt) {
    int oh = c.oh(), ow = c.ow();
    double[] dx = new double[c.n * c.cin * c.h * c.w];
    for (int b = 0; b < c.n; b++)
      for (int co = 0; co < c.cout; co++)
        for (int i = 0; i < oh; i++)
          for (int j = 0; j < ow; j++) {
            double gv = g[((b * c.cout + co) * oh + i) * ow + j];
            for (int ci = 0; ci < c.cin; ci++)
              for (int ki = 0; ki < c.k; ki++)
                for (int kj = 0; kj < c.k; kj++) {
                  int yi = i * c.s - c.p + ki, xj = j * c.s - c.p + kj;
                  if (yi < 0 || yi >= c.h || xj < 0 || xj >= c.w) continue;
                  dx[((b * c.cin + ci) * c.h + yi) * c.w + xj] +=
                      gv * wt[((co * c.cin + ci) * c.k + ki) * c.k + kj];
                }
          }
    return dx;
  }

  static double maxAbs(double[] a) {
    double m = 0;
    for (double v : a) m = Math.max(m, Math.abs(v));
    return m;
  }

  static double maxErr(float[] got, double[] ref) {
    double m = 0;
    for (int i = 0; i < ref.length; i++) {
      double d = Math.abs(got[i] - ref[i]);
      if (Double.isNaN(d)) return Double.POSITIVE_INFINITY;
      m = Math.max(m, d);
    }
    return m;
  }

  /** NCHW-shaped array with NHWC strides, as x.contiguous(memory_format=torch.channels_last). */
  static NDArray channelsLast(NDManager m, float[] nchw, int n, int c, int h, int w) {
    // Reorder to NHWC order on the Java side, then view as NCHW with NHWC strides.
    float[] nhwc = new float[nchw.length];
    for (int b = 0; b < n; b++)
      for (int ci = 0; ci < c; ci++)
        for (int i = 0; i < h; i++)
          for (int j = 0; j < w; j++)
            nhwc[((b * h + i) * w + j) * c + ci] = nchw[((b * c + ci) * h + i) * w + j];
    return m.create(nhwc, new Shape(n, h, w, c));
  }

  record Result(double fwdErr, double gradErr, boolean fwdVaries, boolean gradVaries,
      double fwdScale, double gradScale) {}

  static boolean dump = false;

  static String fmt(float[] a) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < a.length; i++) b.append(i == 0 ? "" : ", ").append(String.format("%.4f", a[i]));
    return b.append("]").toString();
  }

  static String fmt(double[] a) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < a.length; i++) b.append(i == 0 ? "" : ", ").append(String.format("%.4f", a[i]));
    return b.append("]").toString();
  }

  static Result run(NDManager root, Case c, boolean nhwc, int reps) {
    float[] x = pattern(c.n * c.cin * c.h * c.w, 1);
    float[] wt = pattern(c.cout * c.cin * c.k * c.k, 2);
    float[] g = pattern(c.n * c.cout * c.oh() * c.ow(), 3);
    double[] yRef = refForward(c, x, wt);
    double[] dxRef = refGradInput(c, g, wt);
    if (dump) {
      System.out.println("  reference y   = " + fmt(yRef));
      System.out.println("  reference dx  = " + fmt(dxRef));
    }
    double fwdErr = 0, gradErr = 0;
    float[] firstY = null, firstDx = null;
    boolean fwdVaries = false, gradVaries = false;
    for (int r = 0; r < reps; r++) {
      try (NDManager m = root.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray leaf; // the array that requires grad
        NDArray xin; // NCHW-shaped conv input
        if (nhwc) {
          leaf = channelsLast(m, x, c.n, c.cin, c.h, c.w); // [N,H,W,C] contiguous
          leaf.setRequiresGradient(true);
          xin = leaf.transpose(0, 3, 1, 2); // [N,C,H,W] view, NHWC strides
        } else {
          leaf = m.create(x, new Shape(c.n, c.cin, c.h, c.w));
          leaf.setRequiresGradient(true);
          xin = leaf;
        }
        NDArray w = m.create(wt, new Shape(c.cout, c.cin, c.k, c.k));
        NDArray y =
            Conv2d.conv2d(
                    xin, w, null, new Shape(c.s, c.s), new Shape(c.p, c.p), new Shape(1, 1), 1)
                .singletonOrThrow();
        NDArray gArr = m.create(g, new Shape(c.n, c.cout, c.oh(), c.ow()));
        gc.backward(y.mul(gArr).sum());
        float[] yv = y.toFloatArray(); // DJL copies to NCHW-contiguous order
        NDArray dx = leaf.getGradient();
        if (nhwc) dx = dx.transpose(0, 3, 1, 2);
        float[] dxv = dx.toFloatArray();
        if (dump) {
          System.out.println("  run " + r + " " + (nhwc ? "nhwc" : "nchw") + " y   = " + fmt(yv));
          System.out.println("  run " + r + " " + (nhwc ? "nhwc" : "nchw") + " dx  = " + fmt(dxv));
        }
        fwdErr = Math.max(fwdErr, maxErr(yv, yRef));
        gradErr = Math.max(gradErr, maxErr(dxv, dxRef));
        if (firstY == null) {
          firstY = yv;
          firstDx = dxv;
        } else {
          fwdVaries |= !Arrays.equals(firstY, yv);
          gradVaries |= !Arrays.equals(firstDx, dxv);
        }
      }
    }
    return new Result(fwdErr, gradErr, fwdVaries, gradVaries, maxAbs(yRef), maxAbs(dxRef));
  }

  /** Relative-to-scale error bound: float32 rounding of these tiny sums stays far below it. */
  static boolean bad(double err, double scale) {
    return !(err <= 1e-4 * Math.max(1.0, scale));
  }

  static String report(Case c, String layout, Result r) {
    boolean fb = bad(r.fwdErr, r.fwdScale), gb = bad(r.gradErr, r.gradScale);
    return String.format(
        "%-52s %-4s  fwd maxerr %.3g (|ref|max %.3g)%s%s   dgrad maxerr %.3g (|ref|max %.3g)%s%s",
        c, layout, r.fwdErr, r.fwdScale, fb ? " WRONG" : " ok", r.fwdVaries ? " VARIES" : "",
        r.gradErr, r.gradScale, gb ? " WRONG" : " ok", r.gradVaries ? " VARIES" : "");
  }

  public static void main(String[] args) {
    String layout = "both";
    int reps = 5;
    int threads = -1;
    boolean sweep = false, quiet = false;
    String shapes = null;
    List<Integer> nums = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--layout" -> layout = args[++i];
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--sweep" -> sweep = true;
        case "--quiet" -> quiet = true;
        case "--dump" -> dump = true;
        case "--shapes" -> shapes = args[++i];
        default -> nums.add(Integer.parseInt(args[i]));
      }
    }
    Engine engine = Engine.getEngine("PyTorch");
    if (threads > 0) JniUtils.setNumThreads(threads);
    System.out.println(
        "engine PyTorch " + engine.getVersion() + ", intra-op threads " + JniUtils.getNumThreads()
            + ", ONEDNN_MAX_CPU_ISA=" + System.getenv().getOrDefault("ONEDNN_MAX_CPU_ISA", "(unset)"));
    List<Case> cases = new ArrayList<>();
    if (sweep) {
      // Small shapes in increasing order of size.
      for (int k : new int[] {1, 3})
        for (int s : new int[] {1, 2})
          for (int p : new int[] {0, 1})
            for (int n : new int[] {1, 2})
              for (int cin : new int[] {1, 2, 3, 4, 8, 16})
                for (int cout : new int[] {1, 2, 4, 8, 16})
                  for (int hw : new int[] {1, 2, 3, 4, 5, 6, 8}) {
                    Case c = new Case(n, cin, cout, hw, hw, k, s, p);
                    if (c.valid() && p < k) cases.add(c);
                  }
    } else if (shapes != null) {
      for (String sh : shapes.split(";")) {
        int[] v = Arrays.stream(sh.trim().split(",")).mapToInt(t -> Integer.parseInt(t.trim())).toArray();
        cases.add(new Case(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]));
      }
    } else {
      if (nums.size() != 8) throw new IllegalArgumentException("need N CIN COUT H W K STRIDE PAD");
      cases.add(new Case(nums.get(0), nums.get(1), nums.get(2), nums.get(3), nums.get(4),
          nums.get(5), nums.get(6), nums.get(7)));
    }
    int failures = 0;
    try (NDManager root = NDManager.newBaseManager()) {
      for (Case c : cases) {
        for (String l : layout.equals("both") ? new String[] {"nchw", "nhwc"} : new String[] {layout}) {
          Result r = run(root, c, l.equals("nhwc"), reps);
          boolean anyBad = bad(r.fwdErr, r.fwdScale) || bad(r.gradErr, r.gradScale);
          if (anyBad) failures++;
          if (!quiet || anyBad) System.out.println(report(c, l, r));
        }
      }
    }
    System.out.println("cases run: " + cases.size() + " x layouts; failing: " + failures);
  }
}

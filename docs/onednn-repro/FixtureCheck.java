import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The project-level symptom: the project's tiny TorchScript test CNNs (tiny.pt: conv 1->8 3x3 pad 1,
 * BN, ReLU, conv 8->16 3x3 stride 2 pad 1, BN, ReLU, avg pool, linear 16->10, input [6,1,8,8];
 * tiny-rgb.pt: conv 3->8, input [4,3,8,8]) loaded through DJL with trainParam=true as the project
 * does, run on an NCHW-contiguous and on a channels-last batch; logits and the input gradient of
 * the summed cross-entropy loss are compared with PyTorch 1.13's values in the expected JSON.
 *
 * <pre>
 *   java -Dai.djl.offline=true -cp "$(cat cp.txt)" FixtureCheck.java tiny.pt expected.json [threads] [reps]
 * </pre>
 */
public final class FixtureCheck {
  static float[] floats(JsonArray a) {
    float[] f = new float[a.size()];
    for (int i = 0; i < f.length; i++) f[i] = a.get(i).getAsFloat();
    return f;
  }

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    JsonObject exp = JsonParser.parseString(Files.readString(Path.of(args[1]))).getAsJsonObject();
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : -1;
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    Engine.getEngine("PyTorch");
    if (threads > 0) JniUtils.setNumThreads(threads);
    System.out.println("PyTorch " + Engine.getEngine("PyTorch").getVersion() + ", threads "
        + JniUtils.getNumThreads() + ", ONEDNN_MAX_CPU_ISA="
        + System.getenv().getOrDefault("ONEDNN_MAX_CPU_ISA", "(unset)"));
    float[] x = floats(exp.getAsJsonArray("x"));
    float[] logitsRef = floats(exp.getAsJsonArray("logits"));
    float[] gradRef = floats(exp.getAsJsonArray("grad"));
    JsonArray labels = exp.getAsJsonArray("labels");
    JsonArray shp = exp.getAsJsonArray("shape");
    int n = shp.get(0).getAsInt(), c = shp.get(1).getAsInt(), h = shp.get(2).getAsInt(), w = shp.get(3).getAsInt();
    int classes = logitsRef.length / n;
    float[] mean = floats(exp.getAsJsonArray("mean"));
    float[] std = floats(exp.getAsJsonArray("std"));
    try (Model m = Model.newInstance("tiny", Device.cpu(), "PyTorch")) {
      m.load(model, model.getFileName().toString(), Map.of("trainParam", "true"));
      m.getBlock().freezeParameters(true);
      ParameterStore ps = new ParameterStore(m.getNDManager(), false);
      for (String layout : new String[] {"nchw", "nhwc"}) {
        for (int r = 0; r < reps; r++) {
          try (NDManager sm = m.getNDManager().newSubManager();
              GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray px = sm.create(x, new Shape(n, c, h, w));
            px.setRequiresGradient(true);
            NDArray in = px.sub(sm.create(mean, new Shape(1, c, 1, 1))).div(sm.create(std, new Shape(1, c, 1, 1)));
            if (layout.equals("nhwc")) {
              // as the project's Classifier.channelsLast: NCHW shape, NHWC strides
              in = in.transpose(0, 2, 3, 1).reshape(n, h * w * c).reshape(n, h, w, c).transpose(0, 3, 1, 2);
            }
            NDArray logits = m.getBlock().forward(ps, new NDList(in), true).singletonOrThrow();
            float[] lab = new float[n];
            for (int i = 0; i < n; i++) lab[i] = labels.get(i).getAsFloat();
            NDArray y = sm.create(lab).toType(ai.djl.ndarray.types.DataType.INT64, false);
            NDArray logp = logits.logSoftmax(1);
            NDArray loss = logp.mul(y.oneHot(classes)).sum().neg();
            gc.backward(loss);
            float[] lv = logits.toFloatArray();
            float[] gv = px.getGradient().toFloatArray();
            double le = 0, ge = 0, gs = 0;
            for (int i = 0; i < lv.length; i++) le = Math.max(le, Math.abs(lv[i] - logitsRef[i]));
            for (int i = 0; i < gv.length; i++) {
              ge = Math.max(ge, Math.abs(gv[i] - gradRef[i]));
              gs = Math.max(gs, Math.abs(gradRef[i]));
            }
            System.out.printf("%s run %d: logits max|err| %.3g   input-grad max|err| %.3g (max|grad| %.3g)%n",
                layout, r, le, ge, gs);
          }
        }
      }
    }
  }
}

package io.adversarialprune.udfs.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image classifier loaded from a TorchScript file onto a DJL device, in eval mode, with the
 * input normalization applied inside its forward so that callers work in [0, 1] pixel space.
 *
 * <p>Two modes:
 *
 * <ul>
 *   <li>{@link #load} ({@link Mode#DIFFERENTIABLE}): the attack source. The module is loaded with
 *       trainable (non-inference) tensors and its parameters frozen, so a backward pass reaches the
 *       input and never the weights. Every forward runs with DJL's {@code training=true} flag: that
 *       is what makes DJL run the TorchScript method with autograd, and, because DJL's block starts
 *       with the flag set, the module is never switched out of eval mode (batch-norm running
 *       statistics are used, never updated). Whether a graph is recorded is decided by the calling
 *       thread's grad mode ({@code JniUtils.setGradMode}).
 *   <li>{@link #loadForInference} ({@link Mode#INFERENCE}): a forward-only model, e.g. the int8
 *       transfer target, loaded the engine's default way (inference tensors, no autograd). Load
 *       quantized models this way: a dynamically quantized model does load with trainable tensors,
 *       but libtorch has no autograd kernel for {@code quantized::linear_dynamic} and only warns,
 *       so its input gradients would be silently wrong.
 * </ul>
 *
 * <p>Layout: the normalized batch is handed to the module in a {@link MemoryFormat} chosen at load
 * ({@link MemoryFormat#AUTO} unless given: NHWC on CPU, where it makes a PGD step 15-20 % cheaper).
 * Callers always pass and get plain NCHW arrays.
 *
 * <p>At load a zero batch of the expected input shape is run once, so a file that is not
 * TorchScript, a model that rejects the input shape or one whose output is not {@code [batch,
 * classes]} fails here, with the file named in the message.
 *
 * <p>It is the plain network: a {@link ClampedClassifier} wraps one to run the model file's clamped
 * forward instead; the classifier itself never changes but for its weights.
 *
 * <p>Lifecycle: the caller that loads a classifier owns it and must {@link #close()} it; closing
 * frees the module, its parameters and everything still attached to {@link #manager()}. Temporary
 * arrays must never be attached to {@link #manager()} directly: create them in a {@code
 * manager().newSubManager()} scope that the caller closes.
 *
 * <p>Thread-safety: not thread-safe. One thread at a time may use an instance (its weights may be
 * pruned in place, and the module's train/eval flag is shared state); concurrent work needs one
 * instance per thread, see {@link io.adversarialprune.udfs.exec.ModelPool}.
 */
public final class Classifier implements Network, AutoCloseable {

  /** How a classifier is loaded and run. */
  public enum Mode {
    /** Trainable tensors, frozen parameters, gradients to the input: an attack source. */
    DIFFERENTIABLE,
    /** Inference tensors, forward only (e.g. an int8 quantized transfer target). */
    INFERENCE
  }

  private final Path file;
  private final Mode mode;
  private final Model model;
  private final ai.djl.nn.Block block;
  private final ParameterStore parameterStore;
  private final Normalization normalization;
  private final InputShape inputShape;
  private final NDArray mean;
  private final NDArray std;
  private final Map<String, NDArray> parameters;
  private final int classes;
  private final MemoryFormat memoryFormat;
  private final boolean gpu;

  private Classifier(
      Path file,
      Mode mode,
      Model model,
      Normalization normalization,
      InputShape inputShape,
      MemoryFormat memoryFormat) {
    this.file = file;
    this.mode = mode;
    this.memoryFormat = memoryFormat.resolve(model.getNDManager().getDevice());
    this.gpu = model.getNDManager().getDevice().isGpu();
    this.model = model;
    this.block = model.getBlock();
    this.normalization = normalization;
    this.inputShape = inputShape;
    NDManager manager = model.getNDManager();
    this.parameterStore = new ParameterStore(manager, false);
    Shape channelShape = new Shape(1, inputShape.channels(), 1, 1);
    this.mean = manager.create(normalization.mean(), channelShape);
    this.std = manager.create(normalization.std(), channelShape);
    Map<String, NDArray> params = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      params.put(p.getKey(), p.getValue().getArray());
    }
    this.parameters = Collections.unmodifiableMap(params);
    this.classes = probe();
  }

  /**
   * Loads {@code file} as an attack source ({@link Mode#DIFFERENTIABLE}).
   *
   * @throws IllegalStateException when the file cannot be loaded as TorchScript, rejects a {@code
   *     [1, C, H, W]} batch of {@code expected}'s shape, or does not output {@code [batch,
   *     classes]}; the message names the file
   * @throws IllegalArgumentException when {@code normalization} does not have one entry per channel
   *     of {@code expected}
   */
  public static Classifier load(
      Path file, Device device, Normalization normalization, InputShape expected) {
    return load(file, device, normalization, expected, Mode.DIFFERENTIABLE);
  }

  /**
   * Loads {@code file} for forward passes only ({@link Mode#INFERENCE}), e.g. an int8 quantized
   * transfer target that cannot be loaded with trainable parameters. Same checks as {@link
   * #load(Path, Device, Normalization, InputShape)}.
   */
  public static Classifier loadForInference(
      Path file, Device device, Normalization normalization, InputShape expected) {
    return load(file, device, normalization, expected, Mode.INFERENCE);
  }

  /**
   * Loads {@code file} in the given mode with the {@link MemoryFormat#AUTO} layout; see {@link
   * #load(Path, Device, Normalization, InputShape)}.
   */
  public static Classifier load(
      Path file, Device device, Normalization normalization, InputShape expected, Mode mode) {
    return load(file, device, normalization, expected, mode, MemoryFormat.AUTO);
  }

  /**
   * Loads {@code file} in the given mode, handing batches to the module in {@code memoryFormat};
   * see {@link #load(Path, Device, Normalization, InputShape)}.
   */
  public static Classifier load(
      Path file,
      Device device,
      Normalization normalization,
      InputShape expected,
      Mode mode,
      MemoryFormat memoryFormat) {
    if (normalization.channels() != expected.channels()) {
      throw new IllegalArgumentException(
          "normalization has "
              + normalization.channels()
              + " channels but the input shape of model "
              + file
              + " has "
              + expected.channels());
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException(
          "Failed to load TorchScript model from " + file + ": no such file");
    }
    Model model = Model.newInstance(file.getFileName().toString(), device, "PyTorch");
    try {
      Map<String, String> options =
          mode == Mode.DIFFERENTIABLE ? Map.of("trainParam", "true") : Map.of();
      model.load(file, file.getFileName().toString(), options);
      if (mode == Mode.DIFFERENTIABLE) {
        // Gradients go to the input only; weight gradients would cost ~1.5x per PGD step.
        model.getBlock().freezeParameters(true);
      }
      return new Classifier(file, mode, model, normalization, expected, memoryFormat);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      if (e instanceof IllegalStateException && e.getMessage().contains(file.toString())) {
        throw (IllegalStateException) e;
      }
      throw new IllegalStateException(
          "Failed to load TorchScript model from " + file + ": " + e.getMessage(), e);
    }
  }

  /** Runs the zero-batch probe and returns the number of classes. */
  private int probe() {
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager scope = model.getNDManager().newSubManager()) {
      NDArray zeros = scope.zeros(new Shape(inputShape.batchShape(1)));
      NDArray out;
      try {
        out = logits(zeros);
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "model " + file + " rejected input " + inputShape.describe(1) + ": " + e.getMessage(),
            e);
      }
      Shape shape = out.getShape();
      if (shape.dimension() != 2 || shape.get(0) != 1 || shape.get(1) < 1) {
        throw new IllegalStateException(
            "model "
                + file
                + " output shape "
                + shape
                + " for input "
                + inputShape.describe(1)
                + " is not [batch, classes]");
      }
      return Math.toIntExact(shape.get(1));
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** The module's forward; see {@link Network#logits(NDArray)}. */
  @Override
  public NDArray logits(NDArray pixels) {
    return logits(pixels, memoryFormat);
  }

  /** The module's forward, handed the batch in {@code format}; see {@link Network#logits}. */
  @Override
  public NDArray logits(NDArray pixels, MemoryFormat format) {
    return forward(new NDList(prepare(pixels, format))).singletonOrThrow();
  }

  /**
   * The names of the TorchScript methods of the model file ({@code forward} and whatever else it
   * exports), in the file's order.
   */
  public List<String> methods() {
    return List.of(JniUtils.getMethodNames((PtSymbolBlock) block));
  }

  /**
   * Runs the TorchScript method {@code method} on a pixel batch, normalized and laid out as {@link
   * #logits(NDArray)} does, followed by {@code extra} inputs, and returns its outputs flattened in
   * order (a tuple or list of tensors becomes one array per entry). DJL passes arrays named {@code
   * "n[]"} as one {@code List[Tensor]} argument {@code n}, in order. Runs like the forward: with
   * autograd when the calling thread's grad mode is on ({@link Mode#DIFFERENTIABLE}); the results
   * are attached to {@code pixels}' manager.
   */
  NDList run(String method, NDArray pixels, NDList extra) {
    return run(method, pixels, memoryFormat, extra);
  }

  /** As {@link #run(String, NDArray, NDList)}, handing the batch over in {@code format}. */
  NDList run(String method, NDArray pixels, MemoryFormat format, NDList extra) {
    return invoke(method, prepare(pixels, format), extra);
  }

  /** Runs {@code method} on a prepared (normalized, laid out) batch and {@code extra} inputs. */
  private NDList invoke(String method, NDArray normalized, NDList extra) {
    NDList inputs = new NDList(normalized);
    inputs.addAll(extra);
    // DJL's way to call a method other than forward through Block.forward (so that autograd is
    // available): an input named "module_method:<name>", which it does not pass to the method.
    NDArray selector = normalized.getManager().create(0f);
    selector.setName("module_method:" + method);
    inputs.add(selector);
    try {
      return forward(inputs);
    } finally {
      selector.close();
    }
  }

  /**
   * The module's forward on {@code inputs} (a method other than {@code forward} when they name one,
   * see {@link #invoke}). training=true keeps autograd available and the module in eval mode; see
   * the class doc.
   *
   * <p>On CPU with libtorch's graph executor optimizer off for the call (a thread-local switch, set
   * back on after it). With it on, TorchScript's profiling executor may group a method's ReLUs,
   * batch norms and adds into differentiable graphs and differentiate them with the JIT's own
   * formulas (a ReLU's backward as a comparison, a cast and a multiply instead of one {@code
   * threshold_backward}). It did so for the clamped methods, which made a PGD step through the
   * default model's clamp 1.27x a plain step against 1.12x with it off (docs/CLAMP.md); and the
   * first optimized plan a function gets stays, also for later calls with the optimizer off and, as
   * measured, across two instances of one model file. So it is off for every call, the plain
   * forward's included (whose step it leaves as fast). Values and gradients are the same either
   * way. GPUs keep libtorch's default: there the optimizer also fuses, and it was not measured.
   */
  private NDList forward(NDList inputs) {
    boolean train = mode == Mode.DIFFERENTIABLE;
    if (gpu) {
      return block.forward(parameterStore, inputs, train, null);
    }
    JniUtils.setGraphExecutorOptimize(false);
    try {
      return block.forward(parameterStore, inputs, train, null);
    } finally {
      JniUtils.setGraphExecutorOptimize(true);
    }
  }

  /**
   * Runs the TorchScript method {@code method} without inputs (e.g. one that returns the names of a
   * model's probed layers) and returns its result as strings: a string, or a list of strings.
   *
   * @throws IllegalStateException naming the file and method when the result is not
   */
  List<String> strings(String method) {
    try (IValue result = IValueUtils.runMethod((PtSymbolBlock) block, method)) {
      if (result.isString()) {
        return List.of(result.toStringValue());
      }
      if (result.isList()) {
        IValue[] items = result.toIValueArray();
        try {
          List<String> out = new ArrayList<>(items.length);
          for (IValue item : items) {
            if (!item.isString()) {
              throw new IllegalStateException(
                  "model " + file + " method " + method + " returned a list of " + item.getType());
            }
            out.add(item.toStringValue());
          }
          return List.copyOf(out);
        } finally {
          for (IValue item : items) {
            item.close();
          }
        }
      }
      throw new IllegalStateException(
          "model " + file + " method " + method + " returned " + result.getType());
    }
  }

  /** Checks the shape of a pixel batch, normalizes it and lays it out in {@code format}. */
  private NDArray prepare(NDArray pixels, MemoryFormat format) {
    Shape s = pixels.getShape();
    if (s.dimension() != 4
        || s.get(1) != inputShape.channels()
        || s.get(2) != inputShape.height()
        || s.get(3) != inputShape.width()) {
      throw new IllegalArgumentException(
          "model "
              + file
              + " expects input [N,"
              + inputShape.channels()
              + ","
              + inputShape.height()
              + ","
              + inputShape.width()
              + "], got "
              + s);
    }
    NDArray normalized = pixels.sub(mean).div(std);
    if (format.resolve(device()) == MemoryFormat.CHANNELS_LAST) {
      normalized = channelsLast(normalized);
    }
    return normalized;
  }

  /**
   * The same [N, C, H, W] values stored NHWC (strides [HWC, 1, WC, C]), as {@code
   * x.contiguous(memory_format=torch.channels_last)} in PyTorch, built from views and one reshape
   * that copies only when C > 1. Differentiable.
   */
  private static NDArray channelsLast(NDArray nchw) {
    Shape s = nchw.getShape();
    long n = s.get(0);
    long c = s.get(1);
    long h = s.get(2);
    long w = s.get(3);
    return nchw.transpose(0, 2, 3, 1)
        .reshape(n, h * w * c)
        .reshape(n, h, w, c)
        .transpose(0, 3, 1, 2);
  }

  /** Number of output classes, found by the load-time probe. */
  @Override
  public int classes() {
    return classes;
  }

  /** The input shape this classifier was loaded (and probed) for. */
  @Override
  public InputShape inputShape() {
    return inputShape;
  }

  /** The normalization applied inside the forward. */
  public Normalization normalization() {
    return normalization;
  }

  /** The layout batches are handed to the module in (resolved: never {@link MemoryFormat#AUTO}). */
  @Override
  public MemoryFormat memoryFormat() {
    return memoryFormat;
  }

  /** The device the module lives on. */
  @Override
  public Device device() {
    return model.getNDManager().getDevice();
  }

  /** The model file. */
  @Override
  public Path file() {
    return file;
  }

  /** How this classifier was loaded. */
  @Override
  public Mode mode() {
    return mode;
  }

  /**
   * The module's own parameter tensors (weights, biases, batch-norm affine parameters; not the
   * batch-norm running statistics, which are buffers), name to array in module order. In-place
   * edits of these arrays change the model. The map is unmodifiable; the arrays are owned by this
   * classifier and freed by {@link #close()}.
   */
  public Map<String, NDArray> parameters() {
    return parameters;
  }

  /**
   * The model's manager. Use it only as the parent of short-lived sub-managers; everything attached
   * to it lives until {@link #close()}.
   */
  @Override
  public NDManager manager() {
    return model.getNDManager();
  }

  /** Frees the module and every array attached to {@link #manager()}. Idempotent. */
  @Override
  public void close() {
    model.close();
  }

  @Override
  public String toString() {
    return "Classifier["
        + file
        + ", "
        + mode
        + ", "
        + device()
        + ", "
        + inputShape
        + ", "
        + memoryFormat.configName()
        + "]";
  }
}

package io.adversarialprune.udfs.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The probed layers of a {@link Classifier} whose model file was exported with probes by {@code
 * deploy/models/export_model.py}: their activations ({@link #features}) and the forward pass with
 * each of them clamped ({@link #logitsClamped}) and that pass's activations ({@link
 * #featuresClamped}), for layer anatomy and the feature-map clamp.
 *
 * <p>The file's TorchScript methods, besides {@code forward} (see the export tool's doc):
 *
 * <ul>
 *   <li>{@code probe_names() -> List[str]}: the probed layers in network order, the last one {@code
 *       "logits"};
 *   <li>{@code features(x) -> List[Tensor]}: their activations in that order;
 *   <li>{@code forward_clamped(x, lower: List[Tensor], upper: List[Tensor]) -> Tensor}: the forward
 *       pass with {@code clamp(a, lower[i], upper[i])} after probe {@code i};
 *   <li>{@code forward_clamped_st(x, lower, upper) -> Tensor}: the same values with a
 *       straight-through gradient ({@link ClampGradient#STRAIGHT_THROUGH});
 *   <li>{@code features_clamped(x, lower, upper) -> List[Tensor]}: the activations of the clamped
 *       pass, each probe's after its clamp; the last one is {@code forward_clamped}'s output.
 * </ul>
 *
 * DJL cannot hook into a TorchScript module, so these methods are the only way in; {@link #of}
 * refuses a file without them. The probes of a {@link ClampedClassifier} ({@link
 * ClampedClassifier#probes()}) see the network it runs: their {@link #features} are the clamped
 * pass's. Both passes run like {@link Classifier#logits(NDArray)}: the pixels are normalized here,
 * handed over in the classifier's memory format, and the method runs through DJL's {@code
 * Block.forward} (with a {@code "module_method:<name>"} input) so that autograd records it when the
 * calling thread's grad mode is on.
 *
 * <p>Lifecycle and thread-safety: a view of the classifier, which owns everything native; it holds
 * no native memory of its own and needs no closing, but is unusable once the classifier is closed
 * (a clamped classifier's probes, once that is closed). Not thread-safe, like the classifier.
 */
public final class Probes {

  /** Where the methods come from, for error messages. */
  public static final String EXPORT_TOOL = "deploy/models/export_model.py";

  /** The methods a model file needs, in the order the export tool writes them. */
  public static final List<String> METHODS =
      List.of(
          "probe_names", "features", "forward_clamped", "forward_clamped_st", "features_clamped");

  private final Classifier classifier;
  private final List<String> names;
  private final List<long[]> shapes;

  /** The bound arrays of the {@link ClampedClassifier} these probes belong to, or null. */
  private final NDList clampInputs;

  private Probes(
      Classifier classifier, List<String> names, List<long[]> shapes, NDList clampInputs) {
    this.classifier = classifier;
    this.names = names;
    this.shapes = shapes;
    this.clampInputs = clampInputs;
  }

  /**
   * The probes of {@code classifier}'s model file: reads {@code probe_names()} and runs {@code
   * features} once on a zero batch of one image to learn each layer's shape.
   *
   * @throws IllegalStateException when the file lacks any of {@link #METHODS} (the message names
   *     the file, every missing method and {@link #EXPORT_TOOL}), or its probes are malformed (no
   *     names, a repeated name, or a features output that does not match them)
   */
  public static Probes of(Classifier classifier) {
    List<String> missing = missingMethods(classifier);
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "model "
              + classifier.file()
              + " has no method "
              + String.join(", ", missing)
              + " (it has "
              + String.join(", ", classifier.methods())
              + "): layer anatomy and the feature-map clamp need a model exported with probes by "
              + EXPORT_TOOL);
    }
    List<String> names = classifier.strings("probe_names");
    Set<String> unique = new HashSet<>(names);
    if (names.isEmpty() || unique.size() != names.size()) {
      throw new IllegalStateException(
          "model " + classifier.file() + " probe_names() must be distinct names, got " + names);
    }
    List<long[]> shapes = new ArrayList<>(names.size());
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager scope = classifier.manager().newSubManager()) {
      NDArray zeros = scope.zeros(new Shape(classifier.inputShape().batchShape(1)));
      for (NDArray a : features(classifier, names, zeros)) {
        long[] s = a.getShape().getShape();
        shapes.add(Arrays.copyOfRange(s, 1, s.length));
      }
    } finally {
      JniUtils.setGradMode(gradMode);
    }
    return new Probes(classifier, List.copyOf(names), List.copyOf(shapes), null);
  }

  /**
   * These probes as the clamped network with bound arrays {@code inputs} ({@link #boundInputs})
   * runs them: {@link #features} becomes {@code features_clamped}.
   */
  Probes clampedBy(NDList inputs) {
    return new Probes(classifier, names, shapes, inputs);
  }

  /**
   * Whether these are a {@link ClampedClassifier}'s probes, whose {@link #features} are the clamped
   * network's.
   */
  public boolean clamped() {
    return clampInputs != null;
  }

  /**
   * The methods of {@link #METHODS} that {@code classifier}'s model file lacks, in that order;
   * empty when it has them all. For a driver that reports every problem at once.
   */
  public static List<String> missingMethods(Classifier classifier) {
    Set<String> has = new HashSet<>(classifier.methods());
    return METHODS.stream().filter(m -> !has.contains(m)).toList();
  }

  /** The probed layers' names in network order (the file's {@code probe_names()}). */
  public List<String> names() {
    return names;
  }

  /** The number of probed layers. */
  public int size() {
    return names.size();
  }

  /** The index of the layer {@code name}, or -1. */
  public int indexOf(String name) {
    return names.indexOf(name);
  }

  /**
   * Layer {@code i}'s activation shape for one image, without the batch dimension ({@code [C, H,
   * W]} or {@code [C]}); {@code [0]} is its channel count, what a per-channel clamp bound needs.
   */
  public long[] shape(int i) {
    return shapes.get(i).clone();
  }

  /** The number of activation values of layer {@code i} per image. */
  public long elements(int i) {
    long n = 1;
    for (long d : shapes.get(i)) {
      n *= d;
    }
    return n;
  }

  /** The (plain) classifier these probes belong to. */
  public Classifier classifier() {
    return classifier;
  }

  /**
   * The activations of every probed layer for a pixel batch {@code [N, C, H, W]} in [0, 1]
   * (normalized here), one array per layer in {@link #names()} order, each {@code [N, ...]}, of the
   * network these probes see: the plain classifier's, or, for the probes of a {@link
   * ClampedClassifier}, the clamped network's ({@link #featuresClamped} with its bounds, their
   * arrays reused). What layer anatomy measures. The arrays are attached to {@code pixels}'
   * manager; whether autograd records the pass is up to the calling thread's grad mode.
   */
  public NDList features(NDArray pixels) {
    return clampInputs == null
        ? features(classifier, names, pixels)
        : perProbe(classifier, names, "features_clamped", pixels, clampInputs);
  }

  /** The file's {@code features} of {@code pixels}, checked to hold one array per probe name. */
  private static NDList features(Classifier classifier, List<String> names, NDArray pixels) {
    return perProbe(classifier, names, "features", pixels, new NDList());
  }

  /** The file's {@code method} of {@code pixels} and {@code extra}, one array per probe name. */
  private static NDList perProbe(
      Classifier classifier, List<String> names, String method, NDArray pixels, NDList extra) {
    NDList out = classifier.run(method, pixels, extra);
    if (out.size() != names.size()) {
      throw new IllegalStateException(
          countMismatch(classifier, names, method + "() returned " + out.size() + " arrays"));
    }
    return out;
  }

  /**
   * The activations of the clamped network ({@link #logitsClamped}'s pass) for a pixel batch {@code
   * [N, C, H, W]} in [0, 1] (normalized here): each probed layer's output after its clamp, what the
   * next layer sees, one array per layer in {@link #names()} order; the last one is the clamped
   * logits. Layer anatomy of a clamped model measures these. The arrays and the bound arrays are
   * attached to {@code pixels}' manager; whether autograd records the pass is up to the calling
   * thread's grad mode.
   *
   * @throws IllegalArgumentException when {@code bounds} is not for these probes ({@link #check})
   */
  public NDList featuresClamped(NDArray pixels, ClampBounds bounds) {
    check(bounds);
    return perProbe(
        classifier, names, "features_clamped", pixels, boundInputs(pixels.getManager(), bounds));
  }

  /**
   * The activations of every probed layer for {@code pixels} (NCHW, in [0, 1], a whole number of
   * images), copied out as Java arrays, in {@link #names()} order. Runs with grad mode off and
   * frees its native memory. Holds all layers of the batch at once on the heap: for large models or
   * batches, use {@link #features(NDArray)} and copy one layer at a time.
   */
  public List<Activation> activations(float[] pixels) {
    InputShape in = classifier.inputShape();
    if (pixels.length == 0 || pixels.length % in.pixels() != 0) {
      throw new IllegalArgumentException(
          pixels.length + " pixel values are not a whole number of images " + in.describe(1));
    }
    int n = pixels.length / in.pixels();
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager scope = classifier.manager().newSubManager()) {
      NDList out = features(scope.create(pixels, new Shape(in.batchShape(n))));
      List<Activation> result = new ArrayList<>(out.size());
      for (int i = 0; i < out.size(); i++) {
        NDArray a = out.get(i);
        result.add(new Activation(names.get(i), a.getShape().getShape(), a.toFloatArray()));
      }
      return List.copyOf(result);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /**
   * Logits {@code [N, classes]} of the forward pass with every probed layer's output clamped to
   * {@code bounds} before the network goes on, for a pixel batch {@code [N, C, H, W]} in [0, 1]
   * (normalized here), with the clamp's own gradient: {@link #logitsClamped(NDArray, ClampBounds,
   * ClampGradient)} with {@link ClampGradient#EXACT}.
   */
  public NDArray logitsClamped(NDArray pixels, ClampBounds bounds) {
    return logitsClamped(pixels, bounds, ClampGradient.EXACT);
  }

  /**
   * Logits {@code [N, classes]} of the forward pass with every probed layer's output clamped to
   * {@code bounds} before the network goes on, for a pixel batch {@code [N, C, H, W]} in [0, 1]
   * (normalized here). With the calling thread's grad mode on (a {@link
   * Classifier.Mode#DIFFERENTIABLE} classifier), autograd records the pass, so an attack gets input
   * gradients through the clamps, of the kind {@code gradient} says; the values do not depend on
   * it. The result and the bound arrays are attached to {@code pixels}' manager. {@link
   * ClampedClassifier} runs this pass as its forward.
   *
   * @throws IllegalArgumentException when {@code bounds} is not for these probes (its size, or a
   *     per-channel bound's length)
   */
  public NDArray logitsClamped(NDArray pixels, ClampBounds bounds, ClampGradient gradient) {
    check(bounds);
    NDList extra = boundInputs(pixels.getManager(), bounds);
    return classifier.run(gradient.method(), pixels, extra).singletonOrThrow();
  }

  /**
   * The extra inputs of a clamped method ({@link ClampGradient#method()}, {@code
   * features_clamped}): every layer's lower bound, then every upper bound, created in {@code
   * manager}.
   */
  static NDList boundInputs(NDManager manager, ClampBounds bounds) {
    NDList inputs = new NDList(2 * bounds.size());
    // DJL passes arrays named "<arg>[]" as one List[Tensor] argument, in order.
    for (int i = 0; i < bounds.size(); i++) {
      NDArray lower = manager.create(bounds.lower(i));
      lower.setName("lower[]");
      inputs.add(lower);
    }
    for (int i = 0; i < bounds.size(); i++) {
      NDArray upper = manager.create(bounds.upper(i));
      upper.setName("upper[]");
      inputs.add(upper);
    }
    return inputs;
  }

  /**
   * Checks that {@code bounds} is for these probes: one pair per layer, each bound one value or one
   * per channel of its layer.
   *
   * @throws IllegalArgumentException naming the layer otherwise
   */
  public void check(ClampBounds bounds) {
    if (bounds.size() != names.size()) {
      throw new IllegalArgumentException(
          countMismatch(
              classifier, names, "the clamp bounds are for " + bounds.size() + " layers"));
    }
    for (int i = 0; i < names.size(); i++) {
      long channels = shapes.get(i).length == 0 ? 1 : shapes.get(i)[0];
      int length = bounds.lower(i).length;
      if (length != 1 && length != channels) {
        throw new IllegalArgumentException(
            "clamp bounds of layer "
                + names.get(i)
                + " have "
                + length
                + " values; it needs 1 or one per channel ("
                + channels
                + ")");
      }
    }
  }

  /** "model FILE has N probes [NAMES] but {@code what}": a count that does not match the probes. */
  private static String countMismatch(Classifier classifier, List<String> names, String what) {
    return "model "
        + classifier.file()
        + " has "
        + names.size()
        + " probes "
        + names
        + " but "
        + what;
  }

  @Override
  public String toString() {
    return "Probes[" + classifier.file() + ", " + names + "]";
  }

  /**
   * One probed layer's activations, copied out of the engine.
   *
   * @param layer the probe name
   * @param shape the activation's shape, batch first ({@code [N, C, H, W]} or {@code [N, C]})
   * @param values the values in row-major (NCHW) order
   */
  public record Activation(String layer, long[] shape, float[] values) {}
}

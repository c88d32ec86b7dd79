package io.adversarialprune.udfs.anatomy;

/**
 * How an attack changed one probed layer's activations: mergeable partial sums over samples, from
 * which every statistic of layer anatomy follows. Made per batch by {@link #of} from the clean and
 * the adversarial activations of the same images, then merged ({@link #merge}) across batches,
 * shards and seeds; no activation is kept, and the reduction does not depend on how the samples
 * were batched (up to the rounding of double sums; the activations themselves may, in their last
 * bits, since the engine's kernels vectorize by batch shape).
 *
 * <p>Definitions, with {@code a} a clean activation value and {@code b} the adversarial value of
 * the same element of the same image, over all elements of all merged samples:
 *
 * <ul>
 *   <li>{@link #cleanMean()}, {@link #cleanStd()}: mean and population standard deviation (divided
 *       by the count, as {@code torch.std(unbiased=False)}) of {@code a}; {@link #advMean()},
 *       {@link #advStd()} the same of {@code b};
 *   <li>{@link #relativeL2()}: {@code sqrt(sum (b - a)^2) / sqrt(sum a^2)}, the pooled relative
 *       change (Frobenius norms of all merged activations, not a mean of per-image ratios);
 *   <li>{@link #changedFraction()}: the fraction of elements with {@code |b - a| > tolerance}, an
 *       absolute tolerance chosen by the caller (0 counts every element that changed at all; the
 *       clean and adversarial passes run the same kernels on the same batch shape, so an element
 *       the attack did not reach is usually bit-identical, but a tolerance like 1e-6 guards against
 *       reductions that vectorize differently);
 *   <li>{@link #maxRatio()}: {@code max |b| / max |a|};
 *   <li>the top-1% tail ({@link #tailSize}): per image, the {@code k = max(1, ceil(m / 100))}
 *       largest {@code |a|} of its {@code m} elements and their mean; {@link #cleanTail()} is the
 *       mean of that over images, {@link #advTail()} the same for {@code |b|} (ranked on their own,
 *       so not necessarily the same elements), and {@link #tailRatio()} their ratio. Per image
 *       rather than per batch or shard, so that it does not depend on batching and merges exactly;
 *       for a layer of {@code m <= 100} elements per image (e.g. logits) it is the mean of the
 *       largest {@code |a|}.
 * </ul>
 *
 * A ratio whose denominator is 0 is 0 when its numerator is 0 too, and infinite otherwise. An empty
 * value ({@link #empty}) has means of 0 and every other statistic NaN.
 *
 * <p>Immutable and thread-safe.
 *
 * @param tolerance the absolute tolerance of {@link #changedFraction()}; only values with the same
 *     tolerance merge
 * @param samples images measured; 0 exactly when {@code elements} is (every image has values)
 * @param elements activation values measured (samples x values per image)
 * @param cleanMean mean of the clean values
 * @param cleanM2 sum of squared deviations of the clean values from {@code cleanMean}
 * @param advMean mean of the adversarial values
 * @param advM2 sum of squared deviations of the adversarial values from {@code advMean}
 * @param squaredChange {@code sum (b - a)^2}
 * @param squaredClean {@code sum a^2}
 * @param changed the number of elements with {@code |b - a| > tolerance}
 * @param cleanMaxAbs {@code max |a|}
 * @param advMaxAbs {@code max |b|}
 * @param cleanTailSum the sum over images of the mean of the image's top-1% {@code |a|}
 * @param advTailSum the same for {@code |b|}
 */
public record LayerStats(
    double tolerance,
    long samples,
    long elements,
    double cleanMean,
    double cleanM2,
    double advMean,
    double advM2,
    double squaredChange,
    double squaredClean,
    long changed,
    double cleanMaxAbs,
    double advMaxAbs,
    double cleanTailSum,
    double advTailSum)
    implements java.io.Serializable {

  /** Validates the counts and the tolerance. */
  public LayerStats {
    if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
      throw new IllegalArgumentException(
          "layer statistics tolerance must be finite and >= 0, got " + tolerance);
    }
    // Every image has values, so only the empty value has no samples or no elements; merge relies
    // on that.
    if (samples < 0
        || elements < 0
        || changed < 0
        || changed > elements
        || (samples == 0) != (elements == 0)) {
      throw new IllegalArgumentException(
          "layer statistics need 0 <= changed <= elements, samples >= 0, and samples == 0 exactly"
              + " when elements == 0, got samples "
              + samples
              + ", elements "
              + elements
              + ", changed "
              + changed);
    }
  }

  /** Nothing measured yet: the identity of {@link #merge}. */
  public static LayerStats empty(double tolerance) {
    return new LayerStats(tolerance, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  /**
   * The statistics of one batch of one layer.
   *
   * @param clean the clean activations, {@code samples} images' values one image after another
   *     (e.g. NCHW)
   * @param adv the adversarial activations of the same images, in the same layout
   * @param samples the number of images; both arrays hold a whole, non-zero number of values per
   *     image
   * @param tolerance the absolute tolerance of {@link #changedFraction()}, {@code >= 0}
   */
  public static LayerStats of(float[] clean, float[] adv, int samples, double tolerance) {
    if (clean.length != adv.length) {
      throw new IllegalArgumentException(
          "clean and adversarial activations differ in size: "
              + clean.length
              + " and "
              + adv.length);
    }
    if (samples <= 0 || clean.length == 0 || clean.length % samples != 0) {
      throw new IllegalArgumentException(
          clean.length
              + " activation values are not a whole number of values for each of "
              + samples
              + " images");
    }
    int per = clean.length / samples;
    int k = tailSize(per);
    float[] heap = new float[k];
    double cleanSum = 0;
    double advSum = 0;
    double squaredChange = 0;
    double squaredClean = 0;
    long changed = 0;
    double cleanMax = 0;
    double advMax = 0;
    for (int i = 0; i < clean.length; i++) {
      double a = clean[i];
      double b = adv[i];
      double d = b - a;
      cleanSum += a;
      advSum += b;
      squaredChange += d * d;
      squaredClean += a * a;
      if (Math.abs(d) > tolerance) {
        changed++;
      }
      cleanMax = Math.max(cleanMax, Math.abs(a));
      advMax = Math.max(advMax, Math.abs(b));
    }
    long n = clean.length;
    double cleanMean = cleanSum / n;
    double advMean = advSum / n;
    double cleanM2 = 0;
    double advM2 = 0;
    for (int i = 0; i < clean.length; i++) {
      double a = clean[i] - cleanMean;
      double b = adv[i] - advMean;
      cleanM2 += a * a;
      advM2 += b * b;
    }
    double cleanTail = 0;
    double advTail = 0;
    for (int s = 0; s < samples; s++) {
      cleanTail += tailMean(clean, s * per, per, heap);
      advTail += tailMean(adv, s * per, per, heap);
    }
    return new LayerStats(
        tolerance,
        samples,
        n,
        cleanMean,
        cleanM2,
        advMean,
        advM2,
        squaredChange,
        squaredClean,
        changed,
        cleanMax,
        advMax,
        cleanTail,
        advTail);
  }

  /**
   * The statistics of this and {@code other}'s samples together (Chan et al.'s pairwise update for
   * the means and squared deviations).
   *
   * @throws IllegalArgumentException when the tolerances differ
   */
  public LayerStats merge(LayerStats other) {
    if (Double.compare(tolerance, other.tolerance) != 0) {
      throw new IllegalArgumentException(
          "cannot merge layer statistics of tolerance " + tolerance + " and " + other.tolerance);
    }
    if (other.elements == 0) {
      // Then other has no samples either (see the constructor): it adds nothing.
      return this;
    }
    if (elements == 0) {
      return other.merge(this);
    }
    long n = elements + other.elements;
    double wa = (double) elements / n;
    double wb = (double) other.elements / n;
    double cleanDelta = other.cleanMean - cleanMean;
    double advDelta = other.advMean - advMean;
    return new LayerStats(
        tolerance,
        samples + other.samples,
        n,
        cleanMean + cleanDelta * wb,
        cleanM2 + other.cleanM2 + cleanDelta * cleanDelta * elements * wb,
        advMean + advDelta * wb,
        advM2 + other.advM2 + advDelta * advDelta * elements * wb,
        squaredChange + other.squaredChange,
        squaredClean + other.squaredClean,
        changed + other.changed,
        Math.max(cleanMaxAbs, other.cleanMaxAbs),
        Math.max(advMaxAbs, other.advMaxAbs),
        cleanTailSum + other.cleanTailSum,
        advTailSum + other.advTailSum);
  }

  /** Population standard deviation of the clean activations. */
  public double cleanStd() {
    return elements == 0 ? Double.NaN : Math.sqrt(cleanM2 / elements);
  }

  /** Population standard deviation of the adversarial activations. */
  public double advStd() {
    return elements == 0 ? Double.NaN : Math.sqrt(advM2 / elements);
  }

  /** {@code ||b - a|| / ||a||} over all merged values. */
  public double relativeL2() {
    return elements == 0 ? Double.NaN : Math.sqrt(ratio(squaredChange, squaredClean));
  }

  /** The fraction of values changed by more than the tolerance. */
  public double changedFraction() {
    return elements == 0 ? Double.NaN : (double) changed / elements;
  }

  /** {@code max |b| / max |a|}. */
  public double maxRatio() {
    return elements == 0 ? Double.NaN : ratio(advMaxAbs, cleanMaxAbs);
  }

  /** Mean over images of the mean of each image's top-1% clean {@code |a|}. */
  public double cleanTail() {
    return samples == 0 || elements == 0 ? Double.NaN : cleanTailSum / samples;
  }

  /** Mean over images of the mean of each image's top-1% adversarial {@code |b|}. */
  public double advTail() {
    return samples == 0 || elements == 0 ? Double.NaN : advTailSum / samples;
  }

  /** {@link #advTail()} / {@link #cleanTail()}. */
  public double tailRatio() {
    return samples == 0 || elements == 0 ? Double.NaN : ratio(advTailSum, cleanTailSum);
  }

  /**
   * The number of values in an image's tail: 1 % of its {@code m} values rounded up, at least 1.
   */
  public static int tailSize(int m) {
    return Math.max(1, (int) ((m + 99L) / 100));
  }

  private static double ratio(double numerator, double denominator) {
    if (denominator == 0) {
      return numerator == 0 ? 0 : Double.POSITIVE_INFINITY;
    }
    return numerator / denominator;
  }

  /**
   * The mean of the {@code heap.length} largest {@code |x|} of {@code x[from, from + m)} ({@code
   * heap.length <= m}), kept in {@code heap} as a min-heap: one comparison for most values, since
   * only a value larger than the smallest kept one gets in.
   */
  static double tailMean(float[] x, int from, int m, float[] heap) {
    int k = heap.length;
    for (int i = 0; i < k; i++) {
      heap[i] = Math.abs(x[from + i]);
    }
    for (int i = k / 2 - 1; i >= 0; i--) {
      siftDown(heap, i);
    }
    for (int i = k; i < m; i++) {
      float v = Math.abs(x[from + i]);
      if (v > heap[0]) {
        heap[0] = v;
        siftDown(heap, 0);
      }
    }
    double sum = 0;
    for (float v : heap) {
      sum += v;
    }
    return sum / k;
  }

  private static void siftDown(float[] heap, int i) {
    int k = heap.length;
    float v = heap[i];
    while (true) {
      int child = 2 * i + 1;
      if (child >= k) {
        break;
      }
      if (child + 1 < k && heap[child + 1] < heap[child]) {
        child++;
      }
      if (heap[child] >= v) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = v;
  }
}

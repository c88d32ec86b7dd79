package io.adversarialprune.udfs.prune;

/**
 * What one {@link WeightPruner#apply} did to one parameter tensor, or what a feature-map clamp
 * ({@link ClampSpec}) does to one layer's activations on its calibration images.
 *
 * <p>For a clamped layer ({@link ActivationClamp}) the fields read: {@code name} {@code
 * clamp:LAYER}; {@code elements} the activation values of the calibration images ({@code images * C
 * * H * W}); {@code changed} how many of them the bounds clip; {@code meanBefore}, {@code
 * stdBefore} the mean and unbiased std of those values, the whole layer (the bounds themselves are
 * per channel); {@code meanAfter}, {@code stdAfter} the same after this layer's clamp (the layers
 * before it unclamped); {@code normalityP} null.
 *
 * @param name the parameter's name in the model
 * @param elements number of elements
 * @param changed elements touched by any step, each counted once (see {@link WeightPruner})
 * @param meanBefore mean of the original tensor
 * @param stdBefore unbiased (n-1) std of the original tensor, as torch's {@code tensor.std()}
 * @param meanAfter mean after the prune
 * @param stdAfter unbiased std after the prune
 * @param normalityP normaltest p-value of the original tensor, null below 8 elements
 */
public record ParameterStats(
    String name,
    long elements,
    long changed,
    double meanBefore,
    double stdBefore,
    double meanAfter,
    double stdAfter,
    Double normalityP)
    implements java.io.Serializable {}

package io.adversarialprune.job.report;

/**
 * One config-level row of the {@code layers} table (layer anatomy): how an attack changed one
 * probed layer of one config's model.
 */
public record LayerLine(
    String configId,
    int configOrder,
    String prune,
    String target,
    String attack,
    int attackOrder,
    String layer,
    int layerOrder,
    double relativeL2,
    double changedFraction,
    double maxRatio,
    double tailRatio,
    double cleanStd,
    double advStd) {}

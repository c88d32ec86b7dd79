package io.adversarialprune.job.sweep;

import java.io.Serializable;

/**
 * One row of the plan, the unit of work and of resume: a config (prune spec or transfer target) x
 * seed x data shard. This, plus a broadcast of the config, is all that travels to executors;
 * executors read the shard's images themselves.
 *
 * @param configId path-safe id of the config, e.g. {@code none}, {@code E_0.01}, {@code transfer-int8}
 * @param prune the prune spec's label ({@code none}, {@code E=0.01}, {@code E=0.01+R=0.001})
 * @param pruneType {@code none}, {@code E}, {@code S}, {@code R}, {@code composite} or {@code transfer}
 * @param pruneValue the value of a single-step spec, else null
 * @param order the config's position in the grid (for display)
 * @param targetName transfer target name, null for white-box rows
 * @param idFrom first id of the shard (inclusive)
 * @param idTo end of the shard (exclusive)
 */
public record Unit(
    String configId,
    String prune,
    String pruneType,
    Double pruneValue,
    int order,
    String targetName,
    long seed,
    int shard,
    long idFrom,
    long idTo)
    implements Serializable {}

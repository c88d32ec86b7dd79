/**
 * The executor side of the job: what runs inside the sweep's Spark tasks, and the state an executor
 * JVM keeps between them. {@link io.adversarialprune.job.executor.RunUnits} is the named function a
 * task runs over its units; a unit's stages, in order: shard ({@link
 * io.adversarialprune.job.executor.ShardCache}, decoded once per JVM) → engine check ({@link
 * io.adversarialprune.job.executor.ExecutorChecks}; a failure travels to the driver as an {@link
 * io.adversarialprune.job.executor.EngineCheckFailedException}) → prune and attack ({@code udfs}'
 * {@code UnitExecutor}) → judge the baseline's adversarial images ({@link
 * io.adversarialprune.job.executor.BaselineJudge}) → commit ({@link
 * io.adversarialprune.job.executor.UnitCommit}). Everything heavy lives once per JVM in {@link
 * io.adversarialprune.job.executor.ExecutorCache}: the models, the decoded shards and the local
 * copies of {@code classpath:} files ({@link io.adversarialprune.job.executor.ClasspathFiles}, in
 * the job's own temp directories, {@link io.adversarialprune.job.executor.TempDirs}).
 *
 * <p>The driver uses this package, never the other way round: it starts {@code RunUnits}, reads the
 * checks {@code UnitCommit} committed, and goes through the same per-JVM cache and temp directories
 * for the {@code classpath:} locations it checks (in local mode its JVM is also the executor's).
 * This package uses only what both sides share: the typed config ({@code config}), the plan's units
 * ({@code plan}), the dataset's reader ({@code data}), the formats of a unit's files and of the
 * run's lease ({@code results}: {@code SampleFile}, {@code UnitInfo}, {@code EngineCheckRecord},
 * {@code AdversarialImages}, {@code RunLease}) and {@code udfs}.
 */
package io.adversarialprune.job.executor;

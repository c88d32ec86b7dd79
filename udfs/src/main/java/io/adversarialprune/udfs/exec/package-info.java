/**
 * One sweep unit on one model slot ({@link io.adversarialprune.udfs.exec.UnitExecutor}) and the
 * per-JVM model holder ({@link io.adversarialprune.udfs.exec.ModelPool}).
 */
package io.adversarialprune.udfs.exec;

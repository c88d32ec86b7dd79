/**
 * One sweep row on one model slot ({@link io.adversarialprune.udfs.exec.RowExecutor}) and the
 * per-JVM model holder ({@link io.adversarialprune.udfs.exec.ModelPool}).
 */
package io.adversarialprune.udfs.exec;

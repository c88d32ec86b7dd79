/**
 * Layer anatomy: where in the network an attack acts. Per probed layer ({@link
 * io.adversarialprune.udfs.model.Probes}), the clean and adversarial activations of a batch are
 * reduced to mergeable {@link io.adversarialprune.udfs.anatomy.LayerStats} ({@link
 * io.adversarialprune.udfs.anatomy.Anatomy}); no activation outlives its batch.
 */
package io.adversarialprune.udfs.anatomy;

/**
 * Models on the executor: {@link io.adversarialprune.udfs.model.Classifier} (TorchScript on a DJL
 * device, eval mode, normalization inside the forward), the probed layers of a model exported with
 * probes ({@link io.adversarialprune.udfs.model.Probes}: activations and the clamped forward pass)
 * and image decoding.
 */
package io.adversarialprune.udfs.model;

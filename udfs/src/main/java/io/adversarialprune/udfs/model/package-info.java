/**
 * Models on the executor: the {@link io.adversarialprune.udfs.model.Network} that attacks run,
 * either a {@link io.adversarialprune.udfs.model.Classifier} (TorchScript on a DJL device, eval
 * mode, normalization inside the forward) or a {@link
 * io.adversarialprune.udfs.model.ClampedClassifier} around one; the probed layers of a model
 * exported with probes ({@link io.adversarialprune.udfs.model.Probes}); and image decoding.
 */
package io.adversarialprune.udfs.model;

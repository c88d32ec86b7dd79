/**
 * Models on the executor: {@link io.adversarialprune.udfs.model.Classifier} (TorchScript on a DJL
 * device, eval mode, normalization inside the forward) and image decoding.
 */
package io.adversarialprune.udfs.model;

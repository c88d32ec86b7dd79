package io.adversarialprune.udfs.model;

import ai.djl.Device;
import io.adversarialprune.udfs.config.ConfigNames;

/**
 * How a {@link Classifier} lays out the normalized batch it hands to the model: the NCHW shape is
 * the same either way, only the strides differ.
 *
 * <p>With {@link #CHANNELS_LAST} the batch is stored NHWC, and libtorch's oneDNN convolutions then
 * run the whole network (forward and backward) in that layout. On CPU this avoids the NHWC/NCHW
 * copies that libtorch 2.x makes inside {@code convolution_backward} for a contiguous input (4
 * copies of a whole activation per PGD step on the default model) and lets two intra-op threads
 * scale better: on the benchmark machine a PGD step costs 15-20 % less. The gradient that reaches
 * the input pixels is the same tensor either way (contiguous NCHW), and results agree with
 * PyTorch's contiguous-layout reference fixtures (see {@code ClassifierTest}, {@code
 * PgdAttackTest}).
 *
 * <p>CUDA is left contiguous by {@link #AUTO}: NHWC pays off there mostly for half precision on
 * tensor cores, and it has not been measured on a GPU for this job.
 */
public enum MemoryFormat {
  /** {@link #CHANNELS_LAST} on CPU, {@link #CONTIGUOUS} on any other device. */
  AUTO,
  /** The usual NCHW-contiguous layout. */
  CONTIGUOUS,
  /** NHWC storage behind the NCHW shape (PyTorch's {@code torch.channels_last}). */
  CHANNELS_LAST;

  /** The concrete layout for {@code device}: never {@link #AUTO}. */
  public MemoryFormat resolve(Device device) {
    if (this != AUTO) {
      return this;
    }
    return Device.Type.CPU.equals(device.getDeviceType()) ? CHANNELS_LAST : CONTIGUOUS;
  }

  /** The other concrete layout: contiguous for channels-last and the reverse; AUTO has none. */
  public MemoryFormat other() {
    return switch (this) {
      case CONTIGUOUS -> CHANNELS_LAST;
      case CHANNELS_LAST -> CONTIGUOUS;
      case AUTO -> throw new IllegalStateException("resolve AUTO for a device first");
    };
  }

  /** The config spelling: {@code auto}, {@code contiguous} or {@code channels-last}. */
  public String configName() {
    return ConfigNames.of(this);
  }

  /**
   * Parses a config value ({@code auto}, {@code contiguous}, {@code channels-last}).
   *
   * @throws IllegalArgumentException naming {@code key} and the accepted values
   */
  public static MemoryFormat parse(String key, String value) {
    return ConfigNames.parse(MemoryFormat.class, key, value);
  }
}

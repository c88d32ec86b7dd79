package io.adversarialprune.udfs.model;

/**
 * Which gradient an attack gets through the clamps of {@link Probes#logitsClamped}. The forward
 * values are the same either way, bit for bit.
 */
public enum ClampGradient {
  /**
   * The clamp's own gradient ({@code torch.clamp}'s): zero wherever a value is outside its bounds.
   * The file's {@code forward_clamped}.
   */
  EXACT("forward_clamped"),
  /**
   * Straight through: each clamp passes the gradient on as the identity would (BPDA, Athalye et al.
   * 2018), so that a defence that only zeroes gradients does not look robust. The file's {@code
   * forward_clamped_st}.
   */
  STRAIGHT_THROUGH("forward_clamped_st");

  private final String method;

  ClampGradient(String method) {
    this.method = method;
  }

  /** The TorchScript method that computes the clamped forward with this gradient. */
  public String method() {
    return method;
  }
}

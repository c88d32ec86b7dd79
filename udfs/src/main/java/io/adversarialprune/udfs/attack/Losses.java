package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;

/** Loss helpers shared by the attack and the evaluation. Stateless. */
final class Losses {

  private Losses() {}

  /**
   * Per-sample cross entropy {@code -log softmax(logits)[label]}, shape {@code [N]}, the same ops
   * as PyTorch's {@code F.cross_entropy(..., reduction="none")} (log-softmax, then pick).
   *
   * @param labels int64 labels, shape {@code [N]}
   */
  static NDArray crossEntropy(NDArray logits, NDArray labels) {
    long n = logits.getShape().get(0);
    return logits.logSoftmax(1).gather(labels.reshape(n, 1), 1).reshape(n).neg();
  }
}

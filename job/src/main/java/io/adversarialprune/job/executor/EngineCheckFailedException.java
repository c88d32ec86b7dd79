package io.adversarialprune.job.executor;

import io.adversarialprune.job.results.EngineCheckRecord;
import io.adversarialprune.udfs.check.Platform;

/**
 * An executor's {@link io.adversarialprune.udfs.check.EngineCheck} failed under the {@code fail}
 * policy: the numbers it would compute cannot be trusted, so it refused to attack. Thrown on the
 * executor before the unit commits, carried to the driver by Spark, and ends the run with exit 1.
 * The message names the executor, the device, the error and the remedy.
 */
public final class EngineCheckFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final EngineCheckRecord record;

  /** The failure of {@code record}, whose report has a problem. */
  public EngineCheckFailedException(EngineCheckRecord record) {
    super(message(record));
    this.record = record;
  }

  /** The failed check. */
  public EngineCheckRecord record() {
    return record;
  }

  private static String message(EngineCheckRecord r) {
    return "engine check failed on "
        + r.where()
        + ": "
        + r.report().problem()
        + " ["
        + r.report().figures()
        + "]. This executor's adversarial numbers cannot be trusted, so it attacked nothing and"
        + " committed nothing. "
        + remedy(r);
  }

  private static String remedy(EngineCheckRecord r) {
    if (r.report().device().startsWith("gpu")) {
      return "Remedy: compare with a CPU run of the same model (a CUDA/driver/libtorch mismatch, or"
          + " a model whose gradient is masked); sweep.engine.check.mode=warn records the failure"
          + " and goes on.";
    }
    if ("none".equals(r.isaCap())
        || r.isaCap().toUpperCase(java.util.Locale.ROOT).startsWith("AVX512")
        || "ALL".equalsIgnoreCase(r.isaCap())) {
      return "Remedy: run the executors with "
          + Platform.ISA_CAP_VARIABLE
          + "=AVX2 in their environment, set before libtorch loads (the launchers in deploy/ set"
          + " it unless it is set already; on a cluster: --conf spark.executorEnv."
          + Platform.ISA_CAP_VARIABLE
          + "=AVX2): libtorch 2.7.1's oneDNN computes wrong convolution gradients on machines"
          + " that report no cache sizes (docs/ONEDNN-AVX512.md). Where the local launcher lifted"
          + " the cap because its engine probe passed uncapped, the kernels' errors vary from run"
          + " to run: set "
          + Platform.ISA_CAP_VARIABLE
          + "=AVX2 yourself (a value in the environment skips the probe) and delete the probe's"
          + " verdict (~/.cache/adversarial-prune/engine-probe-*.properties). If it still fails"
          + " with the cap,"
          + " try AVX (slower, exact on every convolution shape tried); then the model's own"
          + " gradient disagrees with its forward pass (masked or obfuscated gradients):"
          + " sweep.engine.check.mode=warn records that and attacks anyway.";
    }
    return "The engine already runs with "
        + Platform.ISA_CAP_VARIABLE
        + "="
        + r.isaCap()
        + ". Capped to AVX2, libtorch 2.7.1 still computes wrong input gradients for some"
        + " convolutions on some machines (output channels not a multiple of 8,"
        + " docs/ONEDNN-AVX512.md):"
        + " rerun with "
        + Platform.ISA_CAP_VARIABLE
        + "=AVX (slower; exact on every convolution shape tried). If it fails with that too, the"
        + " model's own gradient disagrees with its forward pass (masked or obfuscated gradients,"
        + " e.g. a detach() trick or a non-differentiable layer), and a white-box attack on it"
        + " would overstate its robustness; sweep.engine.check.mode=warn records the failure and"
        + " attacks anyway.";
  }
}

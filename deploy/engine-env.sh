# Sourced by every launcher in deploy/ (local, bench, standalone cluster and submit, YARN,
# Kubernetes): the engine environment the driver and executors need before libtorch loads.
#
# ONEDNN_MAX_CPU_ISA caps the CPU instruction set libtorch's oneDNN kernels may use. libtorch
# 2.7.1's AVX-512 convolutions return wrong results on some CPUs (AMD EPYC family 26: wrong input
# gradients with channels-last, wrong and run-to-run varying logits with NCHW; docs/ONEDNN-AVX512.md),
# and AVX2 is exact there. The cap is the default; a value already in the environment wins
# (ONEDNN_MAX_CPU_ISA=ALL lifts it, e.g. on CPUs where the AVX-512 kernels are right and faster).
# Either way every executor's engine check (sweep.engine.check) verifies the numbers it computes.
# shellcheck shell=bash
export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}"
# The same for executors started by a cluster manager, which do not inherit this shell.
ENGINE_ENV_CONF=(
  --conf "spark.executorEnv.ONEDNN_MAX_CPU_ISA=$ONEDNN_MAX_CPU_ISA"
)

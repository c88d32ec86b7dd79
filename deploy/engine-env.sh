# Sourced by every launcher in deploy/ (local, bench, standalone cluster and submit, YARN,
# Kubernetes): the engine environment the driver and executors need before libtorch loads.
#
# ONEDNN_MAX_CPU_ISA caps the CPU instruction set libtorch's oneDNN kernels may use. libtorch
# 2.7.1's oneDNN (3.7.1) computes wrong convolution input gradients on machines whose CPUID reports
# no cache sizes (seen on an AMD EPYC family-26 VM; docs/ONEDNN-AVX512.md): uncapped for every
# 3x3 convolution whose output channels are not a multiple of 16, under AVX2 only for those not a
# multiple of 8 (every model this project ships or tests is right there; AVX is right for all, at
# about 1.6x AVX2's cost). The cap is the default; a value already in the environment wins
# (ONEDNN_MAX_CPU_ISA=ALL lifts it where the engine is right and faster, AVX narrows it further).
# Either way every executor's engine check (sweep.engine.check) verifies the numbers it computes.
# shellcheck shell=bash
export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}"
# The same for executors started by a cluster manager, which do not inherit this shell.
ENGINE_ENV_CONF=(
  --conf "spark.executorEnv.ONEDNN_MAX_CPU_ISA=$ONEDNN_MAX_CPU_ISA"
)

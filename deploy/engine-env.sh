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
# The local launcher sets it before sourcing this file from its engine probe (the engine check run
# uncapped for the run's model on this host, cached): ALL where the check passes, AVX2 where not.
# Cluster launchers keep the cap unless it is set: the submitting host is not the executors' host.
# Either way every executor's engine check (sweep.engine.check) verifies the numbers it computes.
# shellcheck shell=bash
export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}"
#
# GLIBC_TUNABLES keeps libtorch's freed activation buffers in the process. With glibc's defaults
# every buffer above its dynamic mmap threshold is unmapped when a step frees it and page-faulted
# back in by the next step; on VMs where a page fault is expensive that is most of a PGD step
# (the AVX-512 EPYC VM: 2857 -> 1104 us per image, docs/BENCHMARKS.md). Both are needed: a trim
# threshold alone freezes the mmap threshold at 128 KiB and makes a step 3x slower. 32 MiB is the
# largest mmap threshold glibc accepts; 1 GiB of free heap is kept before it is returned. One arena
# (arena_max=1): the thresholds hold only in glibc's main arena; a thread that malloc gives an arena
# of its own (a JVM's threads, Spark's task threads) gets 64 MiB heaps that are unmapped whenever
# they empty, whatever the trim threshold, and a PGD step there took 1.4-2.5x as long, in
# 20,000-40,000 page faults per 5 steps against ~25 (docs/BENCHMARKS.md, "Allocator arenas").
# libtorch allocates a few large buffers per operation, so one arena's lock costs nothing
# measurable. A value already in the environment wins (an empty one keeps glibc's defaults).
export GLIBC_TUNABLES="${GLIBC_TUNABLES-glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824:glibc.malloc.arena_max=1}"
# The same for executors started by a cluster manager, which do not inherit this shell.
ENGINE_ENV_CONF=(
  --conf "spark.executorEnv.ONEDNN_MAX_CPU_ISA=$ONEDNN_MAX_CPU_ISA"
  --conf "spark.executorEnv.GLIBC_TUNABLES=$GLIBC_TUNABLES"
)

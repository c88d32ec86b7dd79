# Sourced by cluster.sh: a standalone worker's GPUs. A standalone master gives an executor a GPU
# only from a worker that declares GPUs, so submit.sh's GPU=1 (executor and task amounts) alone
# leaves the application waiting for executors. With WORKER_GPUS=N (N > 0) WORKER_GPU_OPTS holds
# the worker JVM's options: N GPUs, found by the discovery script (GPU_DISCOVERY_SCRIPT, default
# deploy/gpu/discover-gpus.sh). On a real cluster put the same options in each worker's
# SPARK_WORKER_OPTS (conf/spark-env.sh), with the script's path on that host.
# Needs $repo (the repository root).
# shellcheck shell=bash
WORKER_GPU_OPTS=()
if [[ ${WORKER_GPUS:-0} != 0 ]]; then
  if [[ ! ${WORKER_GPUS} =~ ^[1-9][0-9]*$ ]]; then
    echo "WORKER_GPUS must be a whole number of GPUs per worker, got '$WORKER_GPUS'" >&2
    return 2
  fi
  WORKER_GPU_OPTS=(
    "-Dspark.worker.resource.gpu.amount=$WORKER_GPUS"
    "-Dspark.worker.resource.gpu.discoveryScript=${GPU_DISCOVERY_SCRIPT:-$repo/deploy/gpu/discover-gpus.sh}"
  )
fi

#!/usr/bin/env bash
# Submits the sweep to Kubernetes in cluster mode with the image from deploy/docker/Dockerfile,
# one NVIDIA GPU per executor pod and one task per executor.
#
#   K8S_API=https://k8s.example:6443 IMAGE=registry.example/adversarial-prune:0.1.0 \
#     deploy/kubernetes/submit.sh /opt/adversarial-prune/conf/nightly.conf /results "$(date +%F)"
#
# CONFIG is a path inside the image (conf/ is copied there). RESULTS must be shared by the driver
# and every executor: the PVC mounted at /results below (RESULTS_PVC), or s3a://...
# Environment: NAMESPACE (adversarial-prune), SERVICE_ACCOUNT (spark), EXECUTORS (4),
# EXECUTOR_MEMORY (16g), RESULTS_PVC (adversarial-prune-results), GPU (1), SUBMIT_OPTS.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../jvm-options.sh
source "$repo/deploy/jvm-options.sh"
# shellcheck source=../engine-env.sh
source "$repo/deploy/engine-env.sh"
[[ $# -ge 3 ]] || { echo "usage: $0 CONFIG RESULTS RUN_ID [run options...]" >&2; exit 2; }
config=$1 results=$2 run_id=$3
shift 3
: "${SPARK_HOME:?set SPARK_HOME to a Spark 4.1 (Scala 2.13) installation}"
: "${K8S_API:?set K8S_API=https://host:port}"
: "${IMAGE:?set IMAGE to the image built from deploy/docker/Dockerfile}"
pvc=${RESULTS_PVC:-adversarial-prune-results}
conf=(
  --master "k8s://$K8S_API" --deploy-mode cluster
  --class io.adversarialprune.job.Main
  --name "adversarial-prune-$run_id"
  --conf spark.kubernetes.namespace="${NAMESPACE:-adversarial-prune}"
  --conf spark.kubernetes.container.image="$IMAGE"
  --conf spark.kubernetes.authenticate.driver.serviceAccountName="${SERVICE_ACCOUNT:-spark}"
  --conf spark.executor.instances="${EXECUTORS:-4}"
  --conf spark.executor.cores=1
  --conf spark.executor.memory="${EXECUTOR_MEMORY:-16g}"
  # libtorch's native memory lives outside the heap.
  --conf spark.executor.memoryOverhead=4g
  --conf "spark.driver.extraJavaOptions=$SPARK_JAVA_OPTS"
  --conf "spark.executor.extraJavaOptions=$SPARK_JAVA_OPTS"
  --conf spark.task.maxFailures=4
  "${ENGINE_ENV_CONF[@]}"
  --conf "spark.kubernetes.driverEnv.ONEDNN_MAX_CPU_ISA=$ONEDNN_MAX_CPU_ISA"
  --conf "spark.kubernetes.driverEnv.GLIBC_TUNABLES=$GLIBC_TUNABLES"
  # The driver runs no model: it sees no GPU (executors see theirs from the device plugin).
  --conf spark.kubernetes.driverEnv.NVIDIA_VISIBLE_DEVICES=void
  --conf spark.kubernetes.driver.volumes.persistentVolumeClaim.results.options.claimName="$pvc"
  --conf spark.kubernetes.driver.volumes.persistentVolumeClaim.results.mount.path=/results
  --conf spark.kubernetes.executor.volumes.persistentVolumeClaim.results.options.claimName="$pvc"
  --conf spark.kubernetes.executor.volumes.persistentVolumeClaim.results.mount.path=/results
)
if [[ ${GPU:-1} == 1 ]]; then
  # One task slot per GPU (spark.executor.cores=1, gpu amount 1 for both): a slot's model has its
  # weights pruned in place by its task and must fit one GPU. The vendor becomes the pod's
  # resource limit nvidia.com/gpu; the image's libtorch is CUDA 12.8 (PYTORCH_LIBRARY_PATH).
  conf+=(
    --conf spark.executor.resource.gpu.amount=1
    --conf spark.task.resource.gpu.amount=1
    --conf spark.executor.resource.gpu.vendor=nvidia.com
    --conf spark.executor.resource.gpu.discoveryScript=/opt/adversarial-prune/deploy/gpu/discover-gpus.sh
  )
fi
read -r -a extra <<< "${SUBMIT_OPTS:-}"
exec "$SPARK_HOME/bin/spark-submit" "${conf[@]}" "${extra[@]}" \
  local:///opt/adversarial-prune/adversarial-prune-job-app.jar \
  run --config "$config" --results "$results" --run-id "$run_id" "$@"

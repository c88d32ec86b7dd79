#!/usr/bin/env bash
# Submits the sweep to YARN in cluster mode, one GPU per executor and per task.
#
#   deploy/yarn/submit.sh conf/nightly.conf hdfs:///adversarial-prune/results "$(date +%F)" [more run options]
#
# Needs SPARK_HOME (Spark 4.1, Scala 2.13) and HADOOP_CONF_DIR. The NodeManagers need YARN's GPU
# plugin (yarn.io/gpu) and a CUDA libtorch 2.7.1 at LIBTORCH_DIR (default /opt/libtorch) on every
# GPU node; without it set GPU=0 and the executors run on the CPU natives inside the jar.
# Environment: APP_JAR, EXECUTORS (4), EXECUTOR_MEMORY (16g), QUEUE (default), GPU (1),
# LIBTORCH_DIR, SUBMIT_OPTS.
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
app_jar=${APP_JAR:-$(ls "$repo"/job/target/adversarial-prune-job-*-app.jar 2>/dev/null | head -n 1 || true)}
[[ -f $app_jar ]] || { echo "submit.sh: no application jar; build: mvn -B -q -DskipTests package" >&2; exit 2; }
conf=(
  --master yarn --deploy-mode cluster
  --class io.adversarialprune.job.Main
  --name "adversarial-prune $run_id"
  --queue "${QUEUE:-default}"
  --num-executors "${EXECUTORS:-4}"
  --executor-memory "${EXECUTOR_MEMORY:-16g}"
  --conf spark.executor.cores=1
  --conf "spark.driver.extraJavaOptions=$SPARK_JAVA_OPTS"
  --conf "spark.executor.extraJavaOptions=$SPARK_JAVA_OPTS"
  # libtorch's native memory lives outside the heap.
  --conf spark.executor.memoryOverhead=4g
  --conf spark.task.maxFailures=4
  "${ENGINE_ENV_CONF[@]}"
  --conf "spark.yarn.appMasterEnv.ONEDNN_MAX_CPU_ISA=$ONEDNN_MAX_CPU_ISA"
  --conf "spark.yarn.appMasterEnv.GLIBC_TUNABLES=$GLIBC_TUNABLES"
)
# The config (and the GPU discovery script) travel with the job into the containers' working
# directories, where the driver and executors read them.
files=$config
if [[ ${GPU:-1} == 1 ]]; then
  # One task slot per GPU: each slot holds a model whose weights its task prunes in place, and a
  # model must fit one GPU; YARN maps spark.executor.resource.gpu.amount to yarn.io/gpu.
  files+=",$repo/deploy/gpu/discover-gpus.sh"
  conf+=(
    --conf spark.executor.resource.gpu.amount=1
    --conf spark.task.resource.gpu.amount=1
    --conf spark.executor.resource.gpu.discoveryScript=./discover-gpus.sh
    --conf spark.executorEnv.PYTORCH_LIBRARY_PATH="${LIBTORCH_DIR:-/opt/libtorch}/lib"
    --conf spark.executorEnv.PYTORCH_VERSION=2.7.1
    --conf spark.executorEnv.PYTORCH_FLAVOR=cu128
  )
fi
read -r -a extra <<< "${SUBMIT_OPTS:-}"
exec "$SPARK_HOME/bin/spark-submit" "${conf[@]}" --files "$files" "${extra[@]}" "$app_jar" \
  run --config "$(basename "$config")" --results "$results" --run-id "$run_id" "$@"

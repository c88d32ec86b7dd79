#!/usr/bin/env bash
# Submits the sweep to a Spark standalone cluster in client mode (the driver runs here).
#
#   deploy/standalone/submit.sh run --config conf/default.conf --results /shared/results --run-id 2026-01-31
#
# Arguments after the script name go to the adversarial-prune command line unchanged.
# Environment:
#   MASTER_URL     spark://host:7077 (default: from job/target/standalone-cluster/cluster.env,
#                  written by deploy/standalone/cluster.sh start)
#   SPARK_HOME     a Spark 4.1 (Scala 2.13) installation; bin/spark-submit is used when present,
#                  else org.apache.spark.deploy.SparkSubmit from SPARK_HOME/jars (cluster.sh's layout)
#   APP_JAR        default: job/target/adversarial-prune-job-*-app.jar (mvn -B -DskipTests package)
#   EXECUTOR_MEMORY (1g), EXECUTOR_CORES (1), DRIVER_MEMORY (2g), SUBMIT_OPTS (extra spark-submit
#   options, e.g. "--conf spark.executor.instances=8"), GPU=1 to schedule one GPU per executor/task
#   (the workers must offer GPUs: cluster.sh's WORKER_GPUS, or worker-gpu.sh's options in a real
#   cluster's SPARK_WORKER_OPTS).
# The results directory must be one every executor and the driver can reach at the same path
# (a shared file system, hdfs:// or s3a://): executors commit units there directly.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
state=${CLUSTER_STATE:-$repo/job/target/standalone-cluster}
if [[ -z ${MASTER_URL:-} && -f $state/cluster.env ]]; then
  # shellcheck disable=SC1091
  source "$state/cluster.env"
fi
: "${MASTER_URL:?set MASTER_URL=spark://host:port or start deploy/standalone/cluster.sh}"
: "${SPARK_HOME:?set SPARK_HOME}"
app_jar=${APP_JAR:-$(ls "$repo"/job/target/adversarial-prune-job-*-app.jar 2>/dev/null | head -n 1 || true)}
[[ -f $app_jar ]] || { echo "submit.sh: no application jar; build: mvn -B -q -DskipTests package" >&2; exit 2; }

# shellcheck source=../jvm-options.sh
source "$repo/deploy/jvm-options.sh"
# shellcheck source=../engine-env.sh
source "$repo/deploy/engine-env.sh"
# Executors are separate JVMs: they need the opens and DJL's offline switch as much as the driver.
java_opts="$SPARK_JAVA_OPTS"
conf=(
  --master "$MASTER_URL" --deploy-mode client
  --class io.adversarialprune.job.Main
  --name adversarial-prune
  --executor-memory "${EXECUTOR_MEMORY:-1g}"
  --conf spark.executor.cores="${EXECUTOR_CORES:-1}"
  --conf "spark.driver.extraJavaOptions=$java_opts"
  --conf "spark.executor.extraJavaOptions=$java_opts"
  --conf spark.driver.host="${SPARK_DRIVER_HOST:-${SPARK_LOCAL_IP:-127.0.0.1}}"
  --conf spark.ui.enabled="${SPARK_UI:-false}"
  # A killed executor's tasks are retried elsewhere; units commit by rename, so a retry is safe.
  --conf spark.task.maxFailures=4
  "${ENGINE_ENV_CONF[@]}"
)
if [[ ${GPU:-0} == 1 ]]; then
  # One task slot per GPU: a task prunes the weights of the model its slot holds in place, and a
  # model per slot must fit in one GPU's memory; two tasks sharing a GPU would also contend for it.
  conf+=(
    --conf spark.executor.resource.gpu.amount=1
    --conf spark.task.resource.gpu.amount=1
    --conf spark.executor.resource.gpu.discoveryScript="${GPU_DISCOVERY_SCRIPT:-$repo/deploy/gpu/discover-gpus.sh}"
    --conf spark.executorEnv.PYTORCH_LIBRARY_PATH="${PYTORCH_LIBRARY_PATH:-/opt/libtorch/lib}"
    --conf spark.executorEnv.PYTORCH_VERSION=2.7.1
    --conf spark.executorEnv.PYTORCH_FLAVOR=cu128
  )
fi
read -r -a extra <<< "${SUBMIT_OPTS:-}"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}" SPARK_SCALA_VERSION=2.13
if [[ -x $SPARK_HOME/bin/spark-submit ]]; then
  exec "$SPARK_HOME/bin/spark-submit" --driver-memory "${DRIVER_MEMORY:-2g}" "${conf[@]}" "${extra[@]}" \
    "$app_jar" "$@"
fi
# No bin/ (cluster.sh's Maven-jar layout): the client-mode driver is this JVM, so it gets the
# opens directly.
# shellcheck disable=SC2086
exec "${JAVA:-java}" -Xmx"${DRIVER_MEMORY:-2g}" $java_opts -cp "$SPARK_HOME/jars/*" \
  org.apache.spark.deploy.SparkSubmit "${conf[@]}" "${extra[@]}" "$app_jar" "$@"

#!/usr/bin/env bash
# A real Spark standalone cluster on this machine, from the jars Maven resolved (no Spark download):
# one master and two workers, separate JVMs on 127.0.0.1, every port picked free by the OS.
#
#   deploy/standalone/cluster.sh start [STATE_DIR]   # prints MASTER_URL=spark://... and WEBUI_URL=...
#   deploy/standalone/cluster.sh stop  [STATE_DIR]   # kills exactly the JVMs start recorded
#   deploy/standalone/cluster.sh status [STATE_DIR]
#
# STATE_DIR (default job/target/standalone-cluster) gets spark-home/jars (links to the Spark jars
# in job/target/classpath.txt, without the application's own dependencies, so executors get those
# from the submitted application jar as on a real cluster), the logs, the PIDs and cluster.env
# (MASTER_URL, WEBUI_URL, SPARK_HOME) for submit.sh. Build first: mvn -B -q -DskipTests package.
# Environment: WORKERS (2), WORKER_CORES (1), WORKER_MEMORY (1g), START_TIMEOUT_S (90), JAVA,
# WORKER_GPUS (0): GPUs each worker offers (worker-gpu.sh); for submit.sh's GPU=1. The discovery
# script finds every GPU of this machine for each worker, so with GPUs start one worker
# (WORKERS=1) with as many cores as GPUs: it runs one single-GPU executor per core.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cmd=${1:-}
state=$(mkdir -p "${2:-$repo/job/target/standalone-cluster}" && cd "${2:-$repo/job/target/standalone-cluster}" && pwd)
java_bin=${JAVA:-java}
workers=${WORKERS:-2}
timeout_s=${START_TIMEOUT_S:-90}
# The master and workers need the same JDK 17 opens as the driver and executors.
# shellcheck source=../jvm-options.sh
source "$repo/deploy/jvm-options.sh"
# Workers pass their environment to the executors they launch: the oneDNN ISA cap included.
# shellcheck source=../engine-env.sh
source "$repo/deploy/engine-env.sh"
read -r -a opens <<< "$SPARK_JAVA_OPTS"
# shellcheck source=worker-gpu.sh
source "$repo/deploy/standalone/worker-gpu.sh"
export SPARK_HOME="$state/spark-home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
# Without this the workers' executors would look for conf/ and logs in the current directory.
export SPARK_CONF_DIR="$SPARK_HOME/conf" SPARK_LOG_DIR="$state/logs"

# A PID still names the JVM we started: it is alive and its command line mentions STATE_DIR.
ours() {
  [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "$state"
}

# Direct children of a PID (executors of a worker), from /proc, never by name.
children() {
  local p
  for p in /proc/[0-9]*; do
    [[ -r $p/stat ]] || continue
    # field 4 of /proc/PID/stat is the parent PID; the name (field 2) may hold spaces: cut after ')'
    local ppid
    ppid=$(sed -e 's/^.*) //' "$p/stat" 2>/dev/null | cut -d' ' -f2) || continue
    [[ $ppid == "$1" ]] && echo "${p#/proc/}"
  done
  return 0
}

stop_cluster() {
  [[ -f $state/pids ]] || { echo "cluster.sh: nothing recorded in $state/pids" >&2; return 0; }
  local pids=() p
  while read -r p; do
    [[ -n $p ]] || continue
    if ours "$p"; then
      pids+=("$p")
      # Executors are the workers' children; a worker stopped by TERM kills them itself, but one
      # stuck or killed hard would leave them behind.
      local c
      for c in $(children "$p"); do pids+=("$c"); done
    fi
  done < "$state/pids"
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 50); do
      local alive=()
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
      ((${#alive[@]})) || break
      sleep 0.2
    done
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null || true; done
  fi
  rm -f "$state/pids" "$state/cluster.env"
  echo "cluster.sh: stopped ${#pids[@]} process(es)"
}

# The port a service logged ("Successfully started service 'NAME' on port N.").
logged_port() {
  grep -o "Successfully started service '$2' on port [0-9]*" "$1" 2>/dev/null | head -n 1 | grep -o '[0-9]*$' || true
}

start_cluster() {
  local cp_file="$repo/job/target/classpath.txt"
  if ((${#WORKER_GPU_OPTS[@]})) && [[ $workers != 1 ]]; then
    echo "cluster.sh: WORKER_GPUS needs WORKERS=1: $workers workers on one machine would each" \
      "claim every GPU it has; give the one worker WORKER_CORES=$WORKER_GPUS instead" >&2
    exit 2
  fi
  [[ -f $cp_file ]] || { echo "cluster.sh: build first: (cd $repo && mvn -B -q -DskipTests package)" >&2; exit 2; }
  if [[ -f $state/pids ]]; then
    echo "cluster.sh: a cluster is recorded in $state/pids; stop it first" >&2
    exit 2
  fi
  rm -rf "$SPARK_HOME" "$state/logs" "$state"/work-*
  mkdir -p "$SPARK_HOME/jars" "$SPARK_CONF_DIR" "$SPARK_LOG_DIR"
  # Spark's runtime = the job's classpath minus what the application jar carries.
  tr ':' '\n' < "$cp_file" \
    | grep -v -e '/ai/djl/' -e '/com/typesafe/config/' -e '/info/picocli/' -e 'adversarial-prune' \
    | while read -r j; do [[ -n $j ]] && ln -sf "$j" "$SPARK_HOME/jars/"; done
  : > "$state/pids"
  local started=$SECONDS
  # Port 0 everywhere: the OS picks free ports, read back from the logs (no probe-then-bind race).
  "$java_bin" -Xmx512m "${opens[@]}" -Dspark.master.rest.enabled=false -Dadversarial-prune.cluster="$state" \
    -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port 0 --webui-port 0 > "$state/logs/master.log" 2>&1 < /dev/null &
  echo $! >> "$state/pids"
  local port="" ui=""
  while [[ -z $port || -z $ui ]]; do
    port=$(logged_port "$state/logs/master.log" sparkMaster)
    ui=$(logged_port "$state/logs/master.log" MasterUI)
    if ((SECONDS - started > timeout_s)) || ! kill -0 "$(head -n 1 "$state/pids")" 2>/dev/null; then
      echo "cluster.sh: master did not start; see $state/logs/master.log" >&2
      stop_cluster >&2; exit 1
    fi
    sleep 0.3
  done
  local master="spark://127.0.0.1:$port" i
  for i in $(seq 1 "$workers"); do
    mkdir -p "$state/work-$i"
    "$java_bin" -Xmx512m "${opens[@]}" "${WORKER_GPU_OPTS[@]}" -Dadversarial-prune.cluster="$state" \
      -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --port 0 --webui-port 0 --cores "${WORKER_CORES:-1}" \
      --memory "${WORKER_MEMORY:-1g}" --work-dir "$state/work-$i" "$master" \
      > "$state/logs/worker-$i.log" 2>&1 < /dev/null &
    echo $! >> "$state/pids"
  done
  local alive=0
  until [[ $alive == "$workers" ]]; do
    if command -v curl > /dev/null; then
      alive=$(curl -fsSL "http://127.0.0.1:$ui/json/" 2>/dev/null \
        | grep -o '"aliveworkers" *: *[0-9]*' | grep -o '[0-9]*$' || echo 0)
    else
      # No curl: the master logs every registration.
      alive=$(grep -c 'Master: Registering worker' "$state/logs/master.log" || true)
    fi
    if ((SECONDS - started > timeout_s)); then
      echo "cluster.sh: $alive of $workers workers registered after ${timeout_s}s; see $state/logs" >&2
      curl -sSL "http://127.0.0.1:$ui/json/" >&2 || true
      stop_cluster >&2; exit 1
    fi
    [[ $alive == "$workers" ]] || sleep 0.3
  done
  printf 'MASTER_URL=%s\nWEBUI_URL=%s\nSPARK_HOME=%s\n' "$master" "http://127.0.0.1:$ui" "$SPARK_HOME" \
    > "$state/cluster.env"
  cat "$state/cluster.env"
  echo "cluster.sh: $workers workers registered in $((SECONDS - started))s; PIDs in $state/pids" >&2
}

case $cmd in
  start) start_cluster ;;
  stop) stop_cluster ;;
  status) [[ -f $state/cluster.env ]] && cat "$state/cluster.env" && cat "$state/pids" || { echo "not running"; exit 1; } ;;
  *) echo "usage: $0 start|stop|status [STATE_DIR]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Spark resource discovery script for GPUs (spark.executor.resource.gpu.discoveryScript and
# spark.worker.resource.gpu.discoveryScript): prints {"name":"gpu","addresses":["0","1",...]}
# with the index of every GPU nvidia-smi sees (an empty list where there is none).
set -euo pipefail
addresses=""
if command -v nvidia-smi > /dev/null 2>&1; then
  addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader \
    | tr -d ' \r' | sed '/^$/d; s/.*/"&"/' | paste -sd, -)
fi
printf '{"name":"gpu","addresses":[%s]}\n' "$addresses"

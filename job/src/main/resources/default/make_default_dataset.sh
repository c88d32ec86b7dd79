#!/usr/bin/env bash
# Re-creates the embedded default dataset (all 10,000 Fashion-MNIST test images) with the job's
# own `ingest idx` command, from Debian's dataset-fashion-mnist package. Run from the repo root
# after `mvn -B -q -DskipTests package`:
#   bash job/src/main/resources/default/make_default_dataset.sh
set -euo pipefail
src=/usr/share/datasets/fashion-mnist
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
deploy/local/adversarial-prune ingest idx \
  --images "$src/t10k-images-idx3-ubyte.gz" --labels "$src/t10k-labels-idx1-ubyte.gz" \
  --classes 10 --out "$tmp/fashion-mnist-test"
cp "$tmp/fashion-mnist-test/part-00000.parquet" job/src/main/resources/default/fashion-mnist-test.parquet

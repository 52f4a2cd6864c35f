#!/usr/bin/env bash
# Publishes a run's best checkpoint as the shipped model: exports it into models/ (atomically, with the ONNX Runtime
# parity check) and copies the run's report into docs/model/. Usage: scripts/ship-model.sh RUN_DIR [MNIST_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
run=${1:?usage: ship-model.sh RUN_DIR [MNIST_DIR]}
mnist=${2:-"$root/../shared/mnist"}
trainer=${CAPSNET_TRAINER:-"dotnet run --project $root/src/Training -c Release --"}
$trainer export --checkpoint "$run/checkpoints/best.ckpt" --out "$root/models" --data-dir "$mnist"
mkdir -p "$root/docs/model"
cp "$run"/report.html "$run"/*.png "$run"/metrics.csv "$run"/metrics.json "$root/docs/model/"
cat "$root/models/capsnet.json"

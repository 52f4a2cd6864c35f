#!/usr/bin/env bash
# Publishes a run's best checkpoint as the shipped model: exports it into models/ (atomically, with the ONNX Runtime
# parity check) and copies the run's report into docs/model/, but only when it beats the model already shipped (by
# the test accuracy in its metadata); otherwise nothing changes. Usage: scripts/ship-model.sh RUN_DIR [MNIST_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
run=${1:?usage: ship-model.sh RUN_DIR [MNIST_DIR]}
mnist=${2:-"$root/../shared/mnist"}
trainer=${CAPSNET_TRAINER:-"dotnet run --project $root/src/Training -c Release --"}
before=$(sha256sum "$root/models/capsnet.onnx" 2>/dev/null || true)
$trainer export --checkpoint "$run/checkpoints/best.ckpt" --out "$root/models" --data-dir "$mnist" --only-if-better
if [ "$before" = "$(sha256sum "$root/models/capsnet.onnx" 2>/dev/null || true)" ]; then
  echo "models/ kept its model; docs/model/ left as it was" >&2
  exit 0
fi
mkdir -p "$root/docs/model"
cp "$run"/report.html "$run"/*.png "$run"/metrics.csv "$run"/metrics.json "$root/docs/model/"
cat "$root/models/capsnet.json"

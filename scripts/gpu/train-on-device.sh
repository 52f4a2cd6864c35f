#!/usr/bin/env bash
# Runs on the GPU machine (no .NET, no internet, PyTorch for CUDA installed): unpacks the self-contained trainer,
# trains on CUDA with PyTorch's libtorch, and leaves under $OUT at most 8 files of at most 16 MiB (so that
# hosts that return results in small files can hand them back): capsnet.onnx split into 15 MiB parts (rejoin: cat capsnet.onnx.part-* > capsnet.onnx) and run.tar.gz with
# the decoder, the metadata, the report, the metrics, the log and SHA256SUMS. Extra arguments go to `train`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here/out}
work=$(mktemp -d)
tar xJf "$here/capsnet-train.tar.xz" -C "$work"
mkdir -p "$work/mnist" && cp "$here"/*.gz "$work/mnist/"
torchlib=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib
export LD_LIBRARY_PATH="$torchlib:${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

"$work/capsnet-train/capsnet-train" train --device cuda --libtorch-dir "$torchlib" --data-dir "$work/mnist" --no-download \
    --output "$work/run" "$@" 2>&1 | tee "$out/train.log"

cd "$work/run"
sha256sum model/* > SHA256SUMS
cp "$out/train.log" .
tar czf "$out/run.tar.gz" model/capsnet.decoder.onnx model/capsnet.json *.png *.html metrics.* train.log SHA256SUMS
split -b 15M model/capsnet.onnx "$out/capsnet.onnx.part-"
rm "$out/train.log"
ls -la "$out"

#!/usr/bin/env bash
# Runs on a GPU host that has a CUDA build of PyTorch but no .NET and no internet, from the repository root, over the
# parts that scripts/gpu/pack.sh put into .gpu-pack/ (carried there a few at a time). Steps:
#   start [train options]  unpack the trainer, start training on CUDA in the background (it outlives this command)
#   status                 the training log's last lines
#   finish [--deadline S]  join and check the ONNX Runtime CUDA provider library, wait up to S seconds for the
#                          training (then stop it and export its best checkpoint), check the exported model under
#                          ONNX Runtime's CUDA provider against the CPU provider, time it, load-test the service on
#                          CUDA, and leave the results in $OUT (at most 8 files of at most 16 MiB)
# --device cpu / --provider cpu rehearse every step on a CPU-only host: CAPSNET_DEVICE=cpu bash scripts/gpu/on-device.sh …
set -euo pipefail
cd "$(dirname "$0")/../.."
pack=.gpu-pack
work=$pack/host
out=${OUT:-$pack/out}
device=${CAPSNET_DEVICE:-cuda}
mkdir -p "$work" "$out"
out=$(cd "$out" && pwd)

# The libtorch the trainer loads: CAPSNET_LIBTORCH_DIR, else the host's PyTorch's (on CUDA).
torch_lib() {
  if [ -n "${CAPSNET_LIBTORCH_DIR:-}" ]; then printf %s "$CAPSNET_LIBTORCH_DIR"
  elif [ "$device" = cuda ]; then python3 -c 'import torch,os;print(os.path.dirname(torch.__file__)+"/lib",end="")'; fi
}

# CUDA 13 and cuDNN 9 come with PyTorch's nvidia-* wheels: every nvidia/**/lib folder of its site-packages.
cuda_library_path() {
  local site torchlib
  [ "$device" = cuda ] || return 0
  torchlib=$(torch_lib)
  site=$(dirname "$(dirname "$torchlib")")
  { echo "$torchlib"; find "$site/nvidia" -maxdepth 3 -type d -name lib 2>/dev/null; } | paste -sd:
}

case "${1:-}" in
start)
  shift
  nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv,noheader || true
  python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())' || true
  cuda_library_path | tr ':' '\n' | sed 's/^/  library folder: /'
  rm -rf "$work/capsnet-train" "$work/run" "$work/mnist"
  tar xJf "$pack/1/capsnet-train.tar.xz" -C "$work"
  mkdir -p "$work/mnist" && cp "$pack"/1/*.gz "$work/mnist/"
  torchlib=$(torch_lib)
  export LD_LIBRARY_PATH="${torchlib:+$torchlib:}${LD_LIBRARY_PATH:-}"
  # setsid: training goes on after this command returns, while the other parts are carried over.
  setsid nohup "$work/capsnet-train/capsnet-train" train --device "$device" ${torchlib:+--libtorch-dir "$torchlib"} \
      --data-dir "$work/mnist" --no-download --output "$work/run" "$@" > "$work/train.log" 2>&1 < /dev/null &
  echo $! > "$work/train.pid"
  sleep "${CAPSNET_START_WAIT:-45}"
  tail -n 15 "$work/train.log"
  ;;
status)
  tail -n 6 "$work/train.log" 2>/dev/null || echo "no training log"
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader 2>/dev/null || true
  ;;
finish)
  deadline=600
  [ "${2:-}" = --deadline ] && deadline=$3
  started=$SECONDS
  # The CUDA provider library, carried in parts.
  cat "$pack"/[1-9]/onnxruntime-cuda.part-* > "$work/cuda.so.xz"
  (cd "$work" && sha256sum -c "$OLDPWD"/$pack/[1-9]/SHA256SUMS.cuda)
  rm -rf "$work/capsnet-provider-check"
  tar xJf "$pack"/[1-9]/capsnet-provider-check.tar.xz -C "$work"
  xz -dc "$work/cuda.so.xz" > "$work/capsnet-provider-check/libonnxruntime_providers_cuda.so"
  rm "$work/cuda.so.xz"
  check=$work/capsnet-provider-check
  export LD_LIBRARY_PATH="$(cuda_library_path)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  if [ "$device" = cuda ]; then
    echo "libraries the CUDA provider cannot find:"; ldd "$check/libonnxruntime_providers_cuda.so" | grep 'not found' || echo "  none"
  fi

  pid=$(cat "$work/train.pid")
  while kill -0 "$pid" 2>/dev/null && [ $((SECONDS - started)) -lt "$deadline" ]; do sleep 5; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "training still running after ${deadline}s: stopped; exporting its best checkpoint"
    kill -INT "$pid"; sleep 10; kill -9 "$pid" 2>/dev/null || true
  fi
  tail -n 25 "$work/train.log"
  torchlib=$(torch_lib)
  if [ ! -f "$work/run/model/capsnet.onnx" ]; then
    "$work/capsnet-train/capsnet-train" export ${torchlib:+--libtorch-dir "$torchlib"} --data-dir "$work/mnist" \
        --checkpoint "$work/run/checkpoints/best.ckpt" --out "$work/run/model" 2>&1 | tail -n 5
  fi

  provider=$([ "$device" = cuda ] && echo cuda || echo cpu)
  set +e
  "$check/capsnet-provider-check" --provider "$provider" --model-dir "$work/run/model" --data-dir "$work/mnist" \
      --images 1000 --batch 1 64 256 --seconds 3 --out "$out/provider-check.md" 2>&1 | grep -v '^\s*$' | tail -n 40
  # The service itself on that provider, under 16 and 64 clients of real MNIST PNGs.
  "$check/capsnet-api" --urls http://127.0.0.1:18080 --model-dir "$work/run/model" --provider "$provider" > "$work/api.log" 2>&1 &
  api=$!
  for _ in $(seq 60); do curl -sf http://127.0.0.1:18080/health/ready > /dev/null && break; sleep 1; done
  curl -s http://127.0.0.1:18080/model | head -c 600; echo
  for clients in 16 64; do
    "$check/capsnet-loadtest" load --url http://127.0.0.1:18080 --pid "$api" --mnist-dir "$work/mnist" \
        --clients "$clients" --warmup 3 --duration 10 --report "$work/load-$clients.json" 2>&1 | tail -n 8
  done
  kill "$api"; wait "$api" 2>/dev/null
  set -e

  cp "$work/train.log" "$work/run/"
  cp "$work"/load-*.json "$work/run/" 2>/dev/null || true
  (cd "$work/run" && sha256sum model/* > SHA256SUMS && tar czf "$out/run.tar.gz" \
      model/capsnet.decoder.onnx model/capsnet.json metrics.* report.html *.png train.log load-*.json SHA256SUMS 2>/dev/null || true)
  split -b 15M "$work/run/model/capsnet.onnx" "$out/capsnet.onnx.part-"
  ls -la "$out"
  ;;
*)
  sed -n '2,11p' "$0"; exit 2
  ;;
esac

#!/usr/bin/env bash
# Prepares .gpu-pack/ (git-ignored) for a GPU host that has a CUDA PyTorch but no .NET and takes at most about
# 64 MiB per transfer: numbered folders 1, 2, … of at most $CAPSNET_PACK_MIB MiB each (default 60), one per transfer,
# in order. They hold, one after the other: the self-contained trainer without its CPU libtorch (the host's PyTorch
# libtorch is loaded with --libtorch-dir) and the MNIST files; ONNX Runtime's CUDA provider library (xz, in parts);
# the self-contained provider check with the service and the load tool beside it. scripts/gpu/on-device.sh runs there.
# See scripts/gpu/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pack="$root/.gpu-pack"
mnist=${1:-"$root/../shared/mnist"}
budget=$(( ${CAPSNET_PACK_MIB:-60} * 1024 * 1024 ))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$pack/cache"
rm -rf "$pack"/[0-9]*

echo "publishing the trainer"
dotnet publish "$root/src/Training" -c Release -r linux-x64 --self-contained -o "$tmp/capsnet-train" -v q -nologo
(cd "$tmp/capsnet-train"
 # The CPU libtorch would clash with the CUDA one; keep TorchSharp's own libLibTorchSharp.so (patched by the build).
 find . -maxdepth 1 -name '*.so*' ! -name 'libLibTorchSharp.so' ! -name 'libonnxruntime.so' ! -name 'libonnxruntime_providers_shared.so' \
      ! -name 'libSkiaSharp.so' ! -name 'libHarfBuzzSharp.so' ! -name 'libSystem.*' ! -name 'libclr*' ! -name 'libcoreclr*' \
      ! -name 'libhostfxr.so' ! -name 'libhostpolicy.so' ! -name 'libmscordaccore.so' ! -name 'libmscordbi.so' \
      ! -name 'libMicrosoft.*' -delete
 rm -rf runtimes ./*.pdb)
mkdir -p "$pack/1"
tar cJf "$pack/1/capsnet-train.tar.xz" -C "$tmp" capsnet-train
cp "$mnist"/*.gz "$pack/1/"

echo "publishing the provider check, the service and the load tool (no models inside)"
mkdir -p "$tmp/no-models"
dotnet publish "$root/tools/CapsNetService.ProviderCheck" -c Release -r linux-x64 --self-contained -o "$tmp/capsnet-provider-check" \
    -p:CapsNetModelDirectory="$tmp/no-models/" -v q -nologo
dotnet publish "$root/tools/CapsNetService.LoadTest" -c Release -r linux-x64 --self-contained -o "$tmp/capsnet-provider-check" -v q -nologo
(cd "$tmp/capsnet-provider-check" && mv libonnxruntime_providers_cuda.so "$tmp/" && rm -f libonnxruntime_providers_tensorrt.so ./*.pdb && rm -rf runtimes)
cuda_lib="$tmp/libonnxruntime_providers_cuda.so"
tar cf - -C "$tmp" capsnet-provider-check | xz -6 -T0 > "$tmp/capsnet-provider-check.tar.xz"

# xz -9 of the 280 MB library takes minutes: reuse the compressed copy while the library is the same.
sum=$(sha256sum "$cuda_lib" | cut -d' ' -f1)
if [ "$(cat "$pack/cache/cuda.sha256" 2>/dev/null)" != "$sum" ]; then
  echo "compressing the CUDA provider library"
  xz -9 -T1 -c "$cuda_lib" > "$pack/cache/cuda.so.xz"
  echo "$sum" > "$pack/cache/cuda.sha256"
fi

# Fill the folders: the CUDA library's parts after the trainer, then the check bundle.
used=$(du -cb "$pack/1" | tail -1 | cut -f1)
first=$(( budget - used ))
head -c "$first" "$pack/cache/cuda.so.xz" > "$pack/1/onnxruntime-cuda.part-00"
tail -c +"$(( first + 1 ))" "$pack/cache/cuda.so.xz" | split -b "$budget" -d -a 2 --numeric-suffixes=1 - "$tmp/onnxruntime-cuda.part-"
n=1
for part in "$tmp"/onnxruntime-cuda.part-*; do
  n=$((n + 1)); mkdir -p "$pack/$n"; mv "$part" "$pack/$n/"
done
last_used=$(du -cb "$pack/$n" | tail -1 | cut -f1)
bundle=$(stat -c %s "$tmp/capsnet-provider-check.tar.xz")
[ $(( last_used + bundle )) -le "$budget" ] || n=$((n + 1))
mkdir -p "$pack/$n"
mv "$tmp/capsnet-provider-check.tar.xz" "$pack/$n/"
(cd "$pack/cache" && sha256sum cuda.so.xz) > "$pack/$n/SHA256SUMS.cuda"

for d in "$pack"/[0-9]*; do echo "  $(basename "$d"): $(du -sh "$d" | cut -f1)  $(ls "$d" | tr '\n' ' ')"; done
echo "Ready: $n transfers, in order, each carrying one folder (models/ moved out of the tree meanwhile):"
echo "  1: bash scripts/gpu/on-device.sh start [train options]      carry .gpu-pack/1"
for i in $(seq 2 $((n - 1))); do echo "  $i: bash scripts/gpu/on-device.sh status                     carry .gpu-pack/$i"; done
echo "  $n: bash scripts/gpu/on-device.sh finish --deadline SECONDS  carry .gpu-pack/$n"

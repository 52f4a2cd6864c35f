#!/usr/bin/env bash
# Prepares .gpu-pack/ for a run of the trainer on a GPU host that has a CUDA PyTorch but no .NET:
# a self-contained publish of the trainer without the bundled CPU libtorch (the machine's PyTorch
# libtorch is loaded instead, via --libtorch-dir), compressed, plus the MNIST files. See scripts/gpu/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pack="$root/.gpu-pack"
mnist=${1:-"$root/../shared/mnist"}
publish=$(mktemp -d)
trap 'rm -rf "$publish"' EXIT

dotnet publish "$root/src/Training" -c Release -r linux-x64 --self-contained -o "$publish/capsnet-train" -v q -nologo
cd "$publish/capsnet-train"
# The CPU libtorch would clash with the CUDA one; keep TorchSharp's own libLibTorchSharp.so (patched by the build).
find . -maxdepth 1 -name '*.so*' ! -name 'libLibTorchSharp.so' ! -name 'libonnxruntime.so' ! -name 'libonnxruntime_providers_shared.so' \
     ! -name 'libSkiaSharp.so' ! -name 'libHarfBuzzSharp.so' ! -name 'libSystem.*' ! -name 'libclr*' ! -name 'libcoreclr*' \
     ! -name 'libhostfxr.so' ! -name 'libhostpolicy.so' ! -name 'libmscordaccore.so' ! -name 'libmscordbi.so' \
     ! -name 'libMicrosoft.*' -print -delete | sed 's/^/  dropped /'
rm -rf runtimes
mkdir -p "$pack"
tar cJf "$pack/capsnet-train.tar.xz" -C "$publish" capsnet-train
cp "$mnist"/*.gz "$pack/"
cp "$root/scripts/gpu/train-on-device.sh" "$pack/"
du -sh "$pack"/* | sed 's/^/  /'
echo "Ready: carry .gpu-pack and run: bash .gpu-pack/train-on-device.sh [trainer options]"

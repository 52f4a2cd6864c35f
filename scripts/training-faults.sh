#!/usr/bin/env bash
# Training faults on the output side, and run folders that must not be overwritten or trusted blindly: a full disk, a read-only file system, a folder the user may not write, for the
# run folder (--output, checkpoints and report) and for the models folder (export, --publish). For each, capsnet-train
# must exit 1 with one clear line on stderr, and leave the previous checkpoint, report and published model
# byte-identical (sha256 before and after), with no temporary files left behind. Results: docs/reliability.md.
#
# Needs root (it mounts small tmpfs file systems and runs the trainer as 'nobody' for the permission cases); a tiny run
# (100 training / 100 test images) is trained first to have a checkpoint and a model to protect. Takes about a minute.
#
#   sudo scripts/training-faults.sh
#
# Environment: MNIST_DIR (CAPSNET_MNIST_DIR, else ../shared/mnist beside the clone), CONFIGURATION (Release), KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
configuration=${CONFIGURATION:-Release}
mnist=${MNIST_DIR:-${CAPSNET_MNIST_DIR:-$repo/../shared/mnist}}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
[ "$(id -u)" = 0 ] || { echo "training-faults: needs root (tmpfs mounts, running as nobody)" >&2; exit 2; }

dotnet build src/Training/CapsNetService.Training.csproj -c "$configuration" --nologo -v quiet -clp:ErrorsOnly >/dev/null
trainer="$repo/src/Training/bin/$configuration/net10.0/capsnet-train.dll"
work=$(mktemp -d /tmp/capsnet-training-faults.XXXXXX)
chmod 755 "$work"
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
  [ "${KEEP:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

small=(--limit-train 100 --limit-test 100 --seed 1 --data-dir "$mnist" --no-download --device cpu)
echo "== a run to protect: 1 epoch, then its best checkpoint exported into a models folder"
dotnet "$trainer" train --epochs 1 "${small[@]}" --output "$work/base" --no-export >"$work/base.log" 2>&1
dotnet "$trainer" export --checkpoint "$work/base/checkpoints/best.ckpt" --out "$work/models-base" --data-dir "$mnist" >"$work/export.log" 2>&1

fingerprint() { (cd "$1" && find . -type f ! -name filler -print0 | sort -z | xargs -0 sha256sum); }
failures=0
# scenario NAME DIR-TO-PROTECT EXPECTED-EXIT COMMAND...: runs the command, checks exit code, one stderr line, no change.
scenario() {
  local name=$1 protect=$2 expected=$3; shift 3
  local before after rc=0
  before=$(fingerprint "$protect")
  local started=$SECONDS
  "$@" >"$work/out.log" 2>"$work/err.log" || rc=$?
  after=$(fingerprint "$protect")
  local lines leftovers verdict=ok
  lines=$(grep -c . "$work/err.log" || true)
  leftovers=$(find "$protect" -name '*.tmp' | wc -l)
  [ "$rc" = "$expected" ] || verdict="FAIL(exit $rc)"
  [ "$lines" = 1 ] || verdict="FAIL($lines stderr lines)"
  [ "$before" = "$after" ] || verdict="FAIL(files changed)"
  [ "$leftovers" = 0 ] || verdict="FAIL($leftovers temporary files left)"
  [ "$verdict" = ok ] || failures=$((failures + 1))
  echo "-- $name: $verdict; exit $rc after $((SECONDS - started)) s; files byte-identical: $([ "$before" = "$after" ] && echo yes || echo NO)"
  echo "   stderr: $(cat "$work/err.log")"
}
# A 200 MB tmpfs holding copies of the run and the models folder, then filled to the last byte.
mkdir -p "$work/full"; mount -t tmpfs -o size=200m tmpfs "$work/full"; mounts+=("$work/full")
cp -a "$work/base" "$work/full/run"; cp -a "$work/models-base" "$work/full/models"
fill() { dd if=/dev/zero of="$work/full/filler" bs=64k status=none 2>/dev/null || true; }

echo "== full disk"
fill
echo "   $(df -h "$work/full" | tail -1)"
scenario "resume into a full run folder" "$work/full/run" 1 \
  dotnet "$trainer" train --epochs 2 --resume "${small[@]}" --output "$work/full/run" --no-export
scenario "export into a full models folder" "$work/full/models" 1 \
  dotnet "$trainer" export --checkpoint "$work/base/checkpoints/best.ckpt" --out "$work/full/models" --data-dir "$mnist"
# Space for the probe but not for a checkpoint: the failure comes at the first checkpoint, after an epoch.
rm -f "$work/full/filler"
dd if=/dev/zero of="$work/full/filler" bs=1M count=$(( $(df -m --output=avail "$work/full" | tail -1) - 2 )) status=none
scenario "resume with 2 MB free (room for the probe, not for a checkpoint)" "$work/full/run" 1 \
  dotnet "$trainer" train --epochs 2 --resume "${small[@]}" --output "$work/full/run" --no-export

echo "== read-only file system"
mount -o remount,ro "$work/full"
scenario "resume into a read-only run folder" "$work/full/run" 1 \
  dotnet "$trainer" train --epochs 2 --resume "${small[@]}" --output "$work/full/run" --no-export
scenario "export into a read-only models folder" "$work/full/models" 1 \
  dotnet "$trainer" export --checkpoint "$work/base/checkpoints/best.ckpt" --out "$work/full/models" --data-dir "$mnist"
scenario "train --publish into a read-only models folder" "$work/full/models" 1 \
  dotnet "$trainer" train --epochs 1 "${small[@]}" --output "$work/fresh-run" --publish "$work/full/models"

echo "== folders the user may not write (run as nobody; root owns them, mode 755)"
cp -a "$work/base" "$work/ro-run"; cp -a "$work/models-base" "$work/ro-models"
chmod -R a+rX "$work/base"
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp DOTNET_CLI_HOME=/tmp)
scenario "resume into a run folder owned by root" "$work/ro-run" 1 \
  "${as_nobody[@]}" dotnet "$trainer" train --epochs 2 --resume "${small[@]}" --output "$work/ro-run" --no-export
scenario "export into a models folder owned by root" "$work/ro-models" 1 \
  "${as_nobody[@]}" dotnet "$trainer" export --checkpoint "$work/base/checkpoints/best.ckpt" --out "$work/ro-models" --data-dir "$mnist"
scenario "train --publish into a models folder owned by root" "$work/ro-models" 1 \
  "${as_nobody[@]}" dotnet "$trainer" train --epochs 1 "${small[@]}" --output "/tmp/capsnet-nobody-run-$$" --publish "$work/ro-models"
rm -rf "/tmp/capsnet-nobody-run-$$"

echo "== a run folder that holds a finished run"
cp -a "$work/base" "$work/no-last"; rm "$work/no-last/checkpoints/last.ckpt"
scenario "resume a run whose last checkpoint is gone (best checkpoint and metrics left)" "$work/no-last" 1 \
  dotnet "$trainer" train --epochs 2 --resume "${small[@]}" --output "$work/no-last" --no-export
scenario "start afresh over a previous run without --overwrite" "$work/no-last" 1 \
  dotnet "$trainer" train --epochs 1 "${small[@]}" --output "$work/no-last" --no-export
cp -a "$work/base" "$work/flipped"
python3 - "$work/flipped/checkpoints/last.ckpt" <<'PY'
import sys
path = sys.argv[1]; data = bytearray(open(path, 'rb').read())
data[data.index(b'optimizer.bin') + 4096] ^= 1   # one bit inside Adam's state, stored uncompressed
open(path, 'wb').write(data)
PY
scenario "resume from a checkpoint with one flipped bit in optimizer.bin" "$work/flipped" 1 \
  dotnet "$trainer" train --epochs 2 --resume "${small[@]}" --output "$work/flipped" --no-export

echo
if [ "$failures" = 0 ]; then echo "RESULT: PASS (every fault: exit 1, one line on stderr, nothing changed, no temporary file left)"; else echo "RESULT: FAIL ($failures scenario(s))"; fi
[ "$failures" = 0 ]

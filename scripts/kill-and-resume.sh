#!/usr/bin/env bash
# Kill the trainer mid-epoch and resume it: shows that a run killed with SIGKILL (no chance to clean up) continues
# from its last checkpoint, loses at most the epoch it was in, and ends exactly where an uninterrupted run ends
# (the trainer is deterministic on the CPU for a seed: shuffling and shifts are seeded by (seed, epoch), Adam's
# moments are in the checkpoint). Runs, on a small slice of real MNIST:
#   1. an uninterrupted reference run of EPOCHS epochs;
#   2. the same run, killed with kill -9 halfway through epoch KILL_IN_EPOCH (the real capsnet-train process);
#   3. capsnet-train train --resume on the killed run's folder;
# then compares the per-epoch metrics of 1 and 3 and exits non-zero unless they are identical (or within
# TOLERANCE, in accuracy points, when set). Results: docs/reliability.md.
#
#   scripts/kill-and-resume.sh                 # 3 epochs of 2,000 training / 1,000 test images, killed in epoch 2
#   EPOCHS=4 KILL_IN_EPOCH=3 LIMIT_TRAIN=3000 scripts/kill-and-resume.sh
#
# Environment: EPOCHS (3), KILL_IN_EPOCH (2), LIMIT_TRAIN (2000), LIMIT_TEST (1000), SEED (42), TOLERANCE (0),
# MNIST_DIR (CAPSNET_MNIST_DIR, else ../shared/mnist beside the clone), CONFIGURATION (Release), KEEP=1 keeps the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

epochs=${EPOCHS:-3}
kill_in=${KILL_IN_EPOCH:-2}
limit_train=${LIMIT_TRAIN:-2000}
limit_test=${LIMIT_TEST:-1000}
seed=${SEED:-42}
tolerance=${TOLERANCE:-0}
configuration=${CONFIGURATION:-Release}
mnist=${MNIST_DIR:-${CAPSNET_MNIST_DIR:-$repo/../shared/mnist}}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [ "$kill_in" -lt 1 ] || [ "$kill_in" -gt "$epochs" ]; then echo "KILL_IN_EPOCH must be between 1 and EPOCHS" >&2; exit 2; fi

dotnet build src/Training/CapsNetService.Training.csproj -c "$configuration" --nologo -v quiet -clp:ErrorsOnly
trainer="$repo/src/Training/bin/$configuration/net10.0/capsnet-train.dll"
work=$(mktemp -d "${TMPDIR:-/tmp}/capsnet-kill-resume.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

train() { # train OUTPUT [--resume]
  dotnet "$trainer" train --epochs "$epochs" --limit-train "$limit_train" --limit-test "$limit_test" --seed "$seed" \
    --data-dir "$mnist" --no-download --no-export --device cpu --output "$@"
}
epochs_done() { # rows of metrics.csv: written right after each epoch's checkpoint
  local csv="$1/metrics.csv"
  [ -f "$csv" ] && echo $(( $(wc -l < "$csv") - 1 )) || echo 0
}
sha() { sha256sum "$1" | cut -c1-16; }

echo "== 1. uninterrupted: $epochs epochs, $limit_train training / $limit_test test images, seed $seed"
t0=$(date +%s.%N)
train "$work/straight" > "$work/straight.log" 2>&1
t1=$(date +%s.%N)
epoch_seconds=$(awk -F, 'NR>1 { s += $8; n++ } END { printf "%.1f", s / n }' "$work/straight/metrics.csv")
echo "   done in $(printf '%.0f' "$(echo "$t1 - $t0" | bc)") s; $epoch_seconds s per epoch (train + test)"

echo "== 2. the same run, killed with SIGKILL halfway through epoch $kill_in"
( exec dotnet "$trainer" train --epochs "$epochs" --limit-train "$limit_train" --limit-test "$limit_test" --seed "$seed" \
    --data-dir "$mnist" --no-download --no-export --device cpu --output "$work/killed" ) > "$work/killed.log" 2>&1 &
pid=$!
while [ "$(epochs_done "$work/killed")" -lt $(( kill_in - 1 )) ]; do
  kill -0 "$pid" 2>/dev/null || { echo "the trainer ended before epoch $kill_in" >&2; exit 1; }
  sleep 0.2
done
halfway=$(echo "$epoch_seconds / 2" | bc -l)
sleep "$halfway"
[ "$(epochs_done "$work/killed")" -eq $(( kill_in - 1 )) ] || { echo "epoch $kill_in ended before the kill; raise LIMIT_TRAIN" >&2; exit 1; }
echo "   killing PID $pid ($(tr '\0' ' ' < /proc/$pid/cmdline | cut -c1-60)…) $(printf '%.1f' "$halfway") s into epoch $kill_in"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
last="$work/killed/checkpoints/last.ckpt"
if [ -f "$last" ]; then
  echo "   after the kill: $(epochs_done "$work/killed") epoch(s) in metrics.csv; last.ckpt $(sha "$last"); leftovers: $(cd "$work/killed" && find . -name '*.tmp' | tr '\n' ' ')"
else
  echo "   after the kill: no checkpoint yet (killed in the first epoch)"
fi

echo "== 3. resumed with --resume"
t2=$(date +%s.%N)
train "$work/killed" --resume > "$work/resumed.log" 2>&1
t3=$(date +%s.%N)
grep -m1 -E "Resuming|Nothing to resume" "$work/resumed.log" | sed 's/^/   /' || true
echo "   done in $(printf '%.0f' "$(echo "$t3 - $t2" | bc)") s"

echo "== per-epoch metrics: uninterrupted vs killed + resumed"
printf '%-6s %-12s %-12s %-22s %-22s\n' epoch "test acc" "test acc" "train loss" "train loss"
paste -d, "$work/straight/metrics.csv" "$work/killed/metrics.csv" | awk -F, -v n="$(head -1 "$work/straight/metrics.csv" | tr ',' '\n' | wc -l)" \
  'NR>1 { printf "%-6s %-12s %-12s %-22s %-22s\n", $1, $6, $(6+n), $3, $(3+n) }'

status=0
if cmp -s <(cut -d, -f1-7 "$work/straight/metrics.csv") <(cut -d, -f1-7 "$work/killed/metrics.csv"); then
  echo "RESULT: identical per-epoch losses and accuracies (the time columns differ, as they should)"
else
  final_straight=$(tail -1 "$work/straight/metrics.csv" | cut -d, -f6)
  final_resumed=$(tail -1 "$work/killed/metrics.csv" | cut -d, -f6)
  diff=$(echo "($final_straight - $final_resumed) * 100" | bc -l | tr -d -)
  if [ "$(echo "$diff <= $tolerance" | bc -l)" = 1 ] && [ "$(epochs_done "$work/killed")" -eq "$epochs" ]; then
    echo "RESULT: metrics differ, final test accuracy within $tolerance points ($final_straight vs $final_resumed)"
  else
    echo "RESULT: FAIL: final test accuracy $final_straight uninterrupted vs $final_resumed resumed"
    status=1
  fi
fi
[ "${KEEP:-0}" = 1 ] && echo "runs kept in $work"
exit "$status"

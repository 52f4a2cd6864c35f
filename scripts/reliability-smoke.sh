#!/usr/bin/env bash
# Reliability smoke test, the CI slice of docs/reliability.md: builds the service and capsnet-loadtest, starts the
# service (the built dll, CPU provider, Production settings) on a free loopback port against a temporary copy of
# models/, then runs against it over real HTTP
#   1. a slice of the hostile-upload corpus (every answer a 4xx problem+json, no 5xx, no hang, no leak, still alive),
#   2. a short sustained load (no errors),
#   3. the model-fault drill (corrupt, truncated, wrong-contract capsnet.onnx published under load: all rejected,
#      no request fails, the old model keeps serving; then a good file is picked up; then 10 more reloads, after which
#      the server's RSS must not have grown past 1.75× what it was serving before any reload),
# stops the service, and exits non-zero if anything failed or the service died.
#
#   scripts/reliability-smoke.sh                       # the CI slice: 150 requests, 10 s of load, the fault drill
#   SMOKE_CORPUS_COUNT=1200 SMOKE_LOAD_SECONDS=60 SMOKE_CLIENTS=32 SMOKE_WARMUP=5 scripts/reliability-smoke.sh   # the full run
#
# Environment: SMOKE_CORPUS_COUNT (150), SMOKE_LOAD_SECONDS (10), SMOKE_CLIENTS (8), SMOKE_WARMUP (2 s), SMOKE_SEED (7),
# SMOKE_CONFIGURATION (Release), SMOKE_MODELS_DIR (models), SMOKE_KEEP=1 keeps the work folder (log, report).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

count=${SMOKE_CORPUS_COUNT:-150}
load_seconds=${SMOKE_LOAD_SECONDS:-10}
clients=${SMOKE_CLIENTS:-8}
warmup=${SMOKE_WARMUP:-2}
seed=${SMOKE_SEED:-7}
configuration=${SMOKE_CONFIGURATION:-Release}
models=${SMOKE_MODELS_DIR:-models}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for file in capsnet.onnx capsnet.decoder.onnx; do
  if [ ! -f "$models/$file" ]; then
    echo "reliability-smoke: $models/$file is missing; it needs the published model (SMOKE_MODELS_DIR=DIR for another)" >&2
    exit 1
  fi
done

started=$(date +%s)
echo "reliability-smoke: building the service and capsnet-loadtest ($configuration)"
dotnet build src/Inference.Api/CapsNetService.Inference.Api.csproj -c "$configuration" --nologo -v quiet -clp:ErrorsOnly
dotnet build tools/CapsNetService.LoadTest/CapsNetService.LoadTest.csproj -c "$configuration" --nologo -v quiet -clp:ErrorsOnly
api_dir="$repo/src/Inference.Api/bin/$configuration/net10.0"
tool="$repo/tools/CapsNetService.LoadTest/bin/$configuration/net10.0/capsnet-loadtest.dll"

work=$(mktemp -d "${TMPDIR:-/tmp}/capsnet-smoke.XXXXXX")
mkdir -p "$work/models"
cp "$models"/capsnet.onnx "$models"/capsnet.decoder.onnx "$work/models/"
[ -f "$models/capsnet.json" ] && cp "$models/capsnet.json" "$work/models/"
log="$work/service.log"

service_pid=""
finish() {
  local rc=$?
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    kill -TERM "$service_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$service_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$service_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ] && [ -f "$log" ]; then
    echo "reliability-smoke: FAILED; the service log's last lines:" >&2
    tail -n 40 "$log" >&2
  fi
  if [ "${SMOKE_KEEP:-0}" = 1 ]; then echo "reliability-smoke: kept $work"; else rm -rf "$work"; fi
  echo "reliability-smoke: $(( $(date +%s) - started )) s in all"
  exit "$rc"
}
trap finish EXIT

# Port 0: Kestrel picks a free loopback port and logs it. The working directory is the build output, so that its
# appsettings.json (Production logging) applies; exec keeps the PID the one whose memory is sampled.
( cd "$api_dir" && ASPNETCORE_ENVIRONMENT=Production exec dotnet capsnet-api.dll \
    --urls http://127.0.0.1:0 --model-dir "$work/models" --provider cpu ) >"$log" 2>&1 &
service_pid=$!

url=""
for _ in $(seq 240); do
  url=$(grep -o 'Now listening on: http://127\.0\.0\.1:[0-9]*' "$log" | head -n 1 | sed 's/Now listening on: //') || true
  [ -n "$url" ] && break
  kill -0 "$service_pid" 2>/dev/null || { echo "reliability-smoke: the service exited at start-up" >&2; exit 1; }
  sleep 0.25
done
[ -n "$url" ] || { echo "reliability-smoke: the service did not start listening within 60 s" >&2; exit 1; }
echo "reliability-smoke: service PID $service_pid at $url"

rc=0
dotnet "$tool" all --url "$url" --pid "$service_pid" --seed "$seed" \
  --count "$count" --duration "$load_seconds" --warmup "$warmup" --clients "$clients" \
  --models-dir "$work/models" --fault-clients 4 --step-timeout 60 --service-log "$log" --reload-cycles 10 \
  --report "$work/report.json" || rc=$?

if ! kill -0 "$service_pid" 2>/dev/null; then
  echo "reliability-smoke: the service process is gone" >&2
  rc=1
fi
exit "$rc"

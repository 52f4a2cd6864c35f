#!/usr/bin/env bash
# shellcheck disable=SC2016  # the single-quoted `bash -c` snippets expand their own "$1"
# Checks the deployment files (Dockerfile.train, Dockerfile.serve, .dockerignore, compose.yaml, deploy/k8s/*.yaml,
# deploy/kserve/inferenceservice.yaml, deploy/triton/capsnet/config.pbtxt) against the code, without a Docker engine
# nor a Kubernetes cluster nor a Triton server:
#
#  1. Runs the build stage of each Dockerfile outside Docker: a build context made from the working tree filtered
#     by .dockerignore, then the stage's COPY and RUN lines in order, in a scratch folder standing for the
#     container's file system. Dockerfile.train runs with TORCH_BACKEND=cpu (the CUDA TorchSharp package is not
#     served here); everything else is the command the image build runs.
#  2. Checks what the run stages take from the build stage: the entry points, the ONNX Runtime CUDA provider, the
#     shipped model.
#  3. Starts the published service as the image would (its port variable, its model folder, empty), checks
#     /health/live and /health/ready, runs the published trainer with the image's default command on a few hundred
#     MNIST images (when ../shared/mnist or $CAPSNET_MNIST_DIR has them) publishing into that same folder, and waits
#     for the service to hot-reload the model: the compose flow, minus Docker. Then asks the running service the Open
#     Inference Protocol's routes and metrics the manifests rely on, and has the published trainer write a Triton
#     repository (export --triton-repository) to compare with deploy/triton.
#  4. Checks that the port, the health paths, the model folder, the user, the image names and the trainer's options
#     agree across the Dockerfiles, compose.yaml, the Kubernetes and KServe manifests and the code, and that
#     deploy/triton/capsnet/config.pbtxt declares the model's tensors, shapes and batching as the code does.
#
# Exits non-zero on any mismatch. A few minutes on 2 cores, most of it the two publishes.
#   scripts/check-deploy-files.sh            # everything
#   scripts/check-deploy-files.sh --static   # only step 4 (seconds)
#   scripts/check-deploy-files.sh --keep     # keep the scratch folder and print where it is
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

static_only=0 keep=0
for arg in "$@"; do
  case $arg in
    --static) static_only=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No MSBuild node outlives this script (its scratch folder is deleted at the end).
export MSBUILDDISABLENODEREUSE=1

passed=0 failed=0
ok()   { passed=$((passed + 1)); printf '  ok    %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf '  FAIL  %s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi; }
# has FILE EXTENDED-REGEX DESCRIPTION
has() { if grep -Eq -- "$2" "$1"; then ok "$1: $3"; else fail "$1: $3 (no line matches /$2/)"; fi; }
# hasnt FILE EXTENDED-REGEX DESCRIPTION
hasnt() { if grep -Eq -- "$2" "$1"; then fail "$1: $3 (matches /$2/: $(grep -Em1 -- "$2" "$1"))"; else ok "$1: $3"; fi; }
# count FILE EXTENDED-REGEX N DESCRIPTION: exactly N matching lines.
count() { local n; n=$(grep -Ec -- "$2" "$1"); if [[ $n == "$3" ]]; then ok "$1: $4"; else fail "$1: $4 (expected $3 lines matching /$2/, found $n)"; fi; }

# ---------------------------------------------------------------------------------------------------------------------
# Dockerfile reading

# The instructions of a Dockerfile, one a line: continuation lines joined, comment lines dropped.
instructions() {
  awk '
    /^[[:space:]]*#/ { next }
    {
      line = $0
      if (line ~ /\\[[:space:]]*$/) { sub(/\\[[:space:]]*$/, "", line); buf = buf line " "; next }
      buf = buf line
      if (buf ~ /[^[:space:]]/) print buf
      buf = ""
    }
    END { if (buf ~ /[^[:space:]]/) print buf }
  ' "$1"
}

# The instructions of one stage (FROM ... AS NAME), without the FROM line.
stage_instructions() {
  instructions "$1" | awk -v stage="$2" '
    toupper($1) == "FROM" { inside = (tolower($NF) == tolower(stage) && toupper($(NF-1)) == "AS"); next }
    inside { print }
  '
}

# The value of ENV NAME in a stage (the KEY=VALUE form).
stage_env() {
  stage_instructions "$1" "$2" | awk -v name="$3" '
    toupper($1) == "ENV" { for (i = 2; i <= NF; i++) if (index($i, name "=") == 1) value = substr($i, length(name) + 2) }
    END { print value }
  '
}

# The default of a global ARG (before the first FROM).
global_arg() {
  instructions "$1" | awk -v name="$2" '
    toupper($1) == "FROM" { exit }
    toupper($1) == "ARG" && index($2, name "=") == 1 { print substr($2, length(name) + 2) }
  '
}

# The exec-form ENTRYPOINT or CMD of a stage, as one word a line.
stage_exec_form() {
  stage_instructions "$1" "$2" | awk -v keyword="$3" 'toupper($1) == keyword { $1 = ""; print }' | tail -n 1 \
    | sed -e 's/^[[:space:]]*\[//' -e 's/\][[:space:]]*$//' | tr ',' '\n' | sed -e 's/^[[:space:]]*"//' -e 's/"[[:space:]]*$//'
}

# "SOURCE DEST" for each COPY --from=build of a stage.
copies_from_build() {
  stage_instructions "$1" "$2" | awk '
    toupper($1) == "COPY" {
      from = ""; n = 0
      for (i = 2; i <= NF; i++) { if ($i ~ /^--from=/) from = substr($i, 8); else if ($i !~ /^--/) args[++n] = $i }
      if (from == "build" && n == 2) print args[1], args[2]
    }
  '
}

# ---------------------------------------------------------------------------------------------------------------------
# A Docker build context and a build stage, emulated

# A .dockerignore pattern as an anchored extended regex (Go filepath.Match, plus ** for any number of folders);
# a match on a folder also takes everything under it.
ignore_regex() {
  local pattern=${1#/} out='' i c
  for ((i = 0; i < ${#pattern}; i++)); do
    c=${pattern:i:1}
    if [[ $c == '*' && ${pattern:i+1:1} == '*' ]]; then
      if [[ ${pattern:i+2:1} == / ]]; then out+='(.*/)?'; i=$((i + 2)); else out+='.*'; i=$((i + 1)); fi
    elif [[ $c == '*' ]]; then out+='[^/]*'
    elif [[ $c == '?' ]]; then out+='[^/]'
    elif [[ $c == [.+\(\)\{\}\|^\$] ]]; then out+="\\$c"
    else out+=$c
    fi
  done
  printf '^%s(/.*)?$' "$out"
}

# make_context DEST: the files Docker would send, from the working tree (not from git: ignored files count too).
make_context() {
  local dest=$1 line negate
  local -a regexes=() negations=()
  if [[ -f .dockerignore ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
      line=${line%%#*}; line=${line%"${line##*[![:space:]]}"}; line=${line#"${line%%[![:space:]]*}"}
      [[ -z $line ]] && continue
      negate=0; [[ $line == !* ]] && { negate=1; line=${line#!}; }
      regexes+=("$(ignore_regex "$line")"); negations+=("$negate")
    done < .dockerignore
  fi
  # An excluded folder is not entered, unless a !pattern could take something back from it.
  local prune=1; [[ " ${negations[*]} " == *" 1 "* ]] && prune=0
  walk() {
    local entry rel excluded i
    for entry in "$1"/*; do
      rel=${entry#./}
      excluded=0
      for i in "${!regexes[@]}"; do
        if [[ $rel =~ ${regexes[i]} ]]; then excluded=$((1 - negations[i])); fi
      done
      if [[ -d $entry && ! -L $entry ]]; then
        ((excluded && prune)) || walk "$entry"
      elif ((!excluded)); then
        printf '%s\n' "$rel"
      fi
    done
  }
  mkdir -p "$dest"
  (shopt -s dotglob nullglob; walk .) > "$dest.files"
  tar -cf - -T "$dest.files" | tar -xf - -C "$dest"
}

# run_build_stage DOCKERFILE CONTEXT FSROOT STAGE [NAME=VALUE...]: the stage's ARG, ENV, WORKDIR, COPY and RUN lines,
# with FSROOT standing for the container's "/". Prints each step; fails on the first step that fails.
run_build_stage() (
  dockerfile=$1 context=$2 fsroot=$3 stage=$4; shift 4
  declare -A given=()
  for pair in "$@"; do given[${pair%%=*}]=${pair#*=}; done
  workdir=/
  while IFS= read -r line; do
    keyword=$(awk '{ print toupper($1) }' <<<"$line")
    rest=$(sed -E 's/^[[:space:]]*[^[:space:]]+[[:space:]]*//' <<<"$line")
    case $keyword in
      ARG)
        name=${rest%%=*}
        if [[ -v given[$name] ]]; then value=${given[$name]}; elif [[ $rest == *=* ]]; then value=${rest#*=}; else value=; fi
        export "$name=$value"; echo "   ARG $name=$value" ;;
      ENV)
        read -ra pairs <<<"$rest"
        for pair in "${pairs[@]}"; do [[ $pair == *=* ]] || { echo "   ENV form not understood: $rest"; exit 1; }; export "${pair?}"; done ;;
      WORKDIR)
        [[ $rest == /* ]] || rest=$workdir/$rest
        workdir=$rest; mkdir -p "$fsroot$workdir"; echo "   WORKDIR $workdir" ;;
      COPY)
        read -ra words <<<"$rest"
        args=()
        for word in "${words[@]}"; do
          case $word in
            --from=*) echo "   COPY --from in the build stage is not emulated: $line"; exit 1 ;;
            --*) ;;
            *) args+=("$word") ;;
          esac
        done
        ((${#args[@]} >= 2)) || { echo "   COPY not understood: $line"; exit 1; }
        dest=${args[-1]}; unset 'args[-1]'
        [[ $dest == /* ]] || dest=$workdir/$dest
        for src in "${args[@]}"; do
          [[ $src == *[\*\?\[]* ]] && { echo "   COPY with wildcards is not emulated: $line"; exit 1; }
          if [[ ! -e $context/$src ]]; then echo "   COPY $src: not in the build context (.dockerignore?)"; exit 1; fi
          if [[ -d $context/$src ]]; then
            mkdir -p "$fsroot$dest" && cp -a "$context/$src/." "$fsroot$dest/"
          elif [[ $dest == */ || ${#args[@]} -gt 1 ]]; then
            mkdir -p "$fsroot$dest" && cp -a "$context/$src" "$fsroot$dest"
          else
            mkdir -p "$(dirname "$fsroot$dest")" && cp -a "$context/$src" "$fsroot$dest"
          fi || exit 1
        done
        echo "   COPY ${args[*]} $dest" ;;
      RUN)
        command=$(sed -E 's/^(--[a-z]+=[^[:space:]]+[[:space:]]+)*//' <<<"$rest")
        echo "   RUN $command"
        (cd "$fsroot$workdir" && sh -c "$command") || { echo "   that RUN line failed"; exit 1; } ;;
      LABEL|EXPOSE|USER|SHELL|ONBUILD|STOPSIGNAL|HEALTHCHECK|VOLUME|ENTRYPOINT|CMD|ADD)
        echo "   $keyword is not emulated in a build stage: $line"; exit 1 ;;
      *) echo "   unknown instruction: $line"; exit 1 ;;
    esac
  done < <(stage_instructions "$dockerfile" "$stage")
)

# ---------------------------------------------------------------------------------------------------------------------
# What the files must agree on, read from the files that decide it

serve_file=Dockerfile.serve train_file=Dockerfile.train compose_file=compose.yaml k8s=deploy/k8s
kserve=deploy/kserve/inferenceservice.yaml triton_config=deploy/triton/capsnet/config.pbtxt
protocol_code=src/Inference.Api/Protocol/OpenInferenceApi.cs contract=src/Common/ModelContract.cs
api_csproj=src/Inference.Api/CapsNetService.Inference.Api.csproj
train_csproj=src/Training/CapsNetService.Training.csproj
app_uid=1654   # the 'app' user of the .NET container images ($APP_UID)

for file in "$serve_file" "$train_file" .dockerignore "$compose_file" "$k8s/deployment.yaml" "$k8s/service.yaml" \
            "$k8s/train-job.yaml" "$k8s/storage.yaml" "$k8s/kustomization.yaml" "$k8s/autoscaling.yaml" \
            "$k8s/autoscaling-in-flight.yaml" "$kserve" "$triton_config" "$api_csproj" "$train_csproj"; do
  [[ -f $file ]] || { echo "missing: $file" >&2; exit 1; }
done

assembly_name() { sed -n 's:.*<AssemblyName>\(.*\)</AssemblyName>.*:\1:p' "$1" | head -n 1; }
api_name=$(assembly_name "$api_csproj")
train_name=$(assembly_name "$train_csproj")
port=$(stage_env "$serve_file" run ASPNETCORE_HTTP_PORTS)
models_dir=$(stage_env "$serve_file" run Inference__ModelDirectory)
train_workdir=$(stage_instructions "$train_file" run | awk 'toupper($1) == "WORKDIR" { dir = $2 } END { print dir }')

# A constant of the code: const/property NAME = VALUE in FILE, without quotes.
code_const() { sed -nE "s/.*[[:space:]]$2[[:space:]]*(\{ get; set; \})?[[:space:]]*=[[:space:]]*\"?([^\";]*)\"?;.*/\2/p" "$1" | head -n 1; }
model_name=$(code_const "$protocol_code" ModelName)
image_side=$(code_const "$contract" ImageSide) classes=$(code_const "$contract" Classes) capsule_dims=$(code_const "$contract" CapsuleDims)
max_batch=$(code_const src/Inference.Api/Prediction/UploadLimitsOptions.cs MaxBatchImages)
batch_delay_ms=$(code_const src/Inference.Api/Prediction/MicroBatchingOptions.cs MaxDelayMilliseconds)
# The dims of tensor NAME in a config.pbtxt, as "a, b, c".
pbtxt_dims() {
  awk -v name="$2" '
    /name:/ { gsub(/[" ]/, "", $2); current = $2 }
    /dims:/ && current == name { line = $0; sub(/.*\[[[:space:]]*/, "", line); sub(/[[:space:]]*\].*/, "", line); print line; exit }
  ' "$1"
}

# ---------------------------------------------------------------------------------------------------------------------
section "What the service's code decides"
check "the service's assembly is named ($api_name)" test -n "$api_name"
check "the trainer's assembly is named ($train_name)" test -n "$train_name"
for settings in src/Inference.Api/appsettings*.json; do
  [[ -f $settings ]] || continue
  hasnt "$settings" '"(Urls|Kestrel|urls|http_ports|HTTP_PORTS)"' "does not set the listening address (ASPNETCORE_HTTP_PORTS decides it)"
done
if grep -REq --include='*.cs' '\.UseUrls\(|\.Listen(AnyIP|Localhost)?\(|UseKestrel\([^)]' src/Inference.Api; then
  fail "src/Inference.Api: the code sets its own listening address: $(grep -REl --include='*.cs' '\.UseUrls\(|\.Listen(AnyIP|Localhost)?\(|UseKestrel\([^)]' src/Inference.Api | tr '\n' ' ')"
else
  ok "src/Inference.Api: the code sets no listening address of its own"
fi
health_code=$(cat src/Inference.Api/*/*Api.cs 2>/dev/null)
check 'the code maps /health/live and /health/ready (MapGroup("/health"), "/live", "/ready")' \
  bash -c 'grep -q "MapGroup(\"/health\")" <<<"$1" && grep -q "\"/live\"" <<<"$1" && grep -q "\"/ready\"" <<<"$1"' _ "$health_code"
check "the code maps the Open Inference Protocol's probes (MapGroup(\"/v2\"), \"/health/live\", \"/health/ready\")" \
  bash -c 'grep -q "MapGroup(\"/v2\")" "$1" && grep -q "\"/health/live\"" "$1" && grep -q "\"/health/ready\"" "$1"' _ "$protocol_code"
check "the v2 model is named ($model_name)" test -n "$model_name"
check "the model's sizes are read from $contract (side $image_side, $classes classes, $capsule_dims dims)" \
  test -n "$image_side" -a -n "$classes" -a -n "$capsule_dims"
check "the batch limit (Uploads:MaxBatchImages, $max_batch) and the micro-batching delay ($batch_delay_ms ms) are read" \
  test -n "$max_batch" -a -n "$batch_delay_ms"
check 'the service exports http_requests_in_progress (UseHttpMetrics), the autoscaler'"'"'s Pods metric' \
  grep -q "UseHttpMetrics()" src/Inference.Api/Hosting/Extensions.cs
check 'the model folder is configuration key Inference:ModelDirectory (environment: Inference__ModelDirectory)' \
  bash -c 'grep -q "Section = \"Inference\"" src/Inference.Api/Models/InferenceOptions.cs && grep -q "ModelDirectory" src/Inference.Api/Models/InferenceOptions.cs'
check 'the model files are capsnet.onnx, capsnet.decoder.onnx, capsnet.json (src/Common/ModelContract.cs)' \
  bash -c 'grep -q "ModelFileName = \"capsnet.onnx\"" src/Common/ModelContract.cs && grep -q "DecoderFileName = \"capsnet.decoder.onnx\"" src/Common/ModelContract.cs && grep -q "MetadataFileName = \"capsnet.json\"" src/Common/ModelContract.cs'

section "Dockerfile.serve"
has "$serve_file" "^ARG SDK_IMAGE=mcr\.microsoft\.com/dotnet/sdk:[0-9]+\.[0-9]+\.[0-9]+-" "the SDK image is pinned to a version"
has "$serve_file" "^ARG RUNTIME_IMAGE=nvidia/cuda:13\.[0-9]+\.[0-9]+-cudnn-runtime-ubuntu24\.04$" "the run image is a pinned CUDA 13 + cuDNN runtime (what ONNX Runtime 1.31's CUDA provider links)"
check "$serve_file: ASPNETCORE_HTTP_PORTS is set ($port)" test -n "$port"
check "$serve_file: Inference__ModelDirectory is set ($models_dir)" test -n "$models_dir"
has "$serve_file" "^EXPOSE $port$" "EXPOSE $port"
has "$serve_file" "CMD curl -fsS -o /dev/null http://127\.0\.0\.1:$port/health/ready" "the HEALTHCHECK asks /health/ready on port $port"
has "$serve_file" "^ENTRYPOINT \[\"/app/$api_name\"\]$" "ENTRYPOINT runs /app/$api_name"
has "$serve_file" "^USER $app_uid:$app_uid$" "runs as UID $app_uid, numeric"
has "$serve_file" "useradd --uid $app_uid --gid $app_uid" "creates the app user with UID $app_uid"
check "$serve_file: the shipped model goes to $models_dir" bash -c 'grep -Eq "^COPY --from=build --chown='"$app_uid:$app_uid"' /src/out/models/ '"$models_dir"'/$" "$1"' _ "$serve_file"
has "$serve_file" "mkdir $models_dir && chown $app_uid:$app_uid $models_dir" "$models_dir is owned by the app user (a new volume there stays writable for the trainer)"
has "$serve_file" "-p:SelfContained=true" "publishes self-contained (the CUDA image has no .NET)"

section "Dockerfile.train"
has "$train_file" "^ARG SDK_IMAGE=mcr\.microsoft\.com/dotnet/sdk:[0-9]+\.[0-9]+\.[0-9]+-" "the SDK image is pinned to a version"
has "$train_file" "^ARG RUNTIME_IMAGE=mcr\.microsoft\.com/dotnet/runtime-deps:[0-9]+\.[0-9]+\.[0-9]+-noble$" "the run image is a pinned .NET runtime-deps (Ubuntu 24.04, user app = $app_uid)"
check "the two Dockerfiles use the same SDK image" \
  test "$(global_arg "$serve_file" SDK_IMAGE)" = "$(global_arg "$train_file" SDK_IMAGE)"
has "$train_file" "^ARG TORCH_BACKEND=cuda$" "builds the CUDA TorchSharp backend by default"
has "$train_file" "-p:TorchBackend=\\$\\{TORCH_BACKEND\\}" "passes TORCH_BACKEND to restore and publish"
count "$train_file" "-p:TorchBackend=\\$\\{TORCH_BACKEND\\}" 2 "restore and publish use the same backend"
has "$train_file" "fonts-dejavu-core" "installs a font for the report's plots"
has "$train_file" "^ENTRYPOINT \[\"/app/$train_name\"\]$" "ENTRYPOINT runs /app/$train_name"
has "$train_file" "^USER $app_uid:$app_uid$" "runs as UID $app_uid, numeric"
check "$train_file: WORKDIR is set ($train_workdir)" test -n "$train_workdir"
has "$train_file" "mkdir -p data runs models" "makes data/, runs/ and models/ in the working folder"
has "$train_file" "chown $app_uid:$app_uid data runs models" "... owned by the app user (new volumes inherit it)"
train_cmd=$(stage_exec_form "$train_file" run CMD | tr '\n' ' ')
check "$train_file: CMD publishes into models/ (--publish models)" bash -c '[[ $1 == *"--publish models"* ]]' _ "$train_cmd"

section ".dockerignore"
for pattern in '**/bin' '**/obj' runs .gpu-pack .git; do
  check ".dockerignore leaves out $pattern" grep -qxF -- "$pattern" .dockerignore
done
hasnt .dockerignore '^(src|build|models|src/.*)$' "keeps src/, build/ and models/ in the context"

section "compose.yaml"
has "$compose_file" "dockerfile: $serve_file$" "serve is built from $serve_file"
has "$compose_file" "dockerfile: $train_file$" "train is built from $train_file"
has "$compose_file" "^[[:space:]]+- \"\\$\\{CAPSNET_PORT:-$port\\}:$port\"$" "publishes container port $port"
count "$compose_file" "ASPNETCORE_HTTP_PORTS: \"$port\"" 2 "serve and serve-cpu listen on $port"
count "$compose_file" "Inference__ModelDirectory: $models_dir$" 2 "serve and serve-cpu read the model from $models_dir"
has "$compose_file" "^[[:space:]]+- models:$models_dir$" "the models volume is mounted on $models_dir in serve"
has "$compose_file" "^[[:space:]]+- models:$train_workdir/models$" "... and on $train_workdir/models in train"
has "$compose_file" "^[[:space:]]+- mnist:$train_workdir/data$" "MNIST persists in the mnist volume ($train_workdir/data)"
has "$compose_file" "^[[:space:]]+- runs:$train_workdir/runs$" "runs persist in the runs volume ($train_workdir/runs)"
has "$compose_file" "profiles: \[train\]" "train is behind the train profile"
has "$compose_file" "profiles: \[cpu\]" "serve-cpu is behind the cpu profile"
count "$compose_file" "driver: nvidia" 2 "serve and train reserve an NVIDIA GPU"
has "$compose_file" "Inference__Provider: cpu" "serve-cpu asks ONNX Runtime for the CPU"

section "Kubernetes manifests"
deployment=$k8s/deployment.yaml job=$k8s/train-job.yaml
has "$deployment" "^[[:space:]]+replicas: 2$" "2 replicas"
has "$deployment" "^[[:space:]]+containerPort: $port$" "container port $port"
count "$deployment" "^[[:space:]]+value: \"$port\"$" 1 "ASPNETCORE_HTTP_PORTS=$port"
has "$deployment" "^[[:space:]]+path: /health/live$" "liveness (and startup) probe: /health/live"
has "$deployment" "^[[:space:]]+path: /v2/health/ready$" "readiness probe: /v2/health/ready (the Open Inference Protocol's)"
count "$deployment" "^[[:space:]]+port: http$" 3 "the probes use the named port http"
has "$deployment" "^[[:space:]]+- name: Inference__ModelDirectory$" "sets Inference__ModelDirectory..."
has "$deployment" "^[[:space:]]+value: $models_dir$" "... to $models_dir"
has "$deployment" "^[[:space:]]+mountPath: $models_dir$" "mounts the models volume on $models_dir"
check "$deployment: the api container mounts it read-only" \
  bash -c 'grep -A1 -E "^[[:space:]]+mountPath: $1\$" "$2" | grep -qE "^[[:space:]]+readOnly: true\$"' _ "$models_dir" "$deployment"
has "$deployment" "^[[:space:]]+nvidia\.com/gpu: 1$" "asks for one GPU"
has "$deployment" "^[[:space:]]+image: capsnet-serve:" "runs the capsnet-serve image"
has "$deployment" "^[[:space:]]+claimName: capsnet-models$" "uses the capsnet-models claim"
has "$deployment" "^[[:space:]]+mountPath: /tmp$" "gives /tmp a writable emptyDir"
count "$deployment" "^[[:space:]]+readOnlyRootFilesystem: true$" 2 "read-only root file system (seed and api)"
count "$deployment" "^[[:space:]]+runAsUser: $app_uid$" 1 "runs as UID $app_uid"
count "$deployment" "^[[:space:]]+fsGroup: $app_uid$" 1 "volumes writable by group $app_uid"
has "$deployment" "capsnet\.decoder\.onnx capsnet\.json capsnet\.onnx" "seeds the model in the trainer's order (capsnet.onnx last)"
has "$deployment" "^[[:space:]]+- name: seed-model$" "has the seed-model init container"
has "$k8s/service.yaml" "^[[:space:]]+targetPort: http$" "the Service targets the named port http"
has "$job" "^kind: Job$" "is a Job"
has "$job" "^[[:space:]]+image: capsnet-train:" "runs the capsnet-train image"
has "$job" "^[[:space:]]+workingDir: $train_workdir$" "works in $train_workdir, as the image"
has "$job" "^[[:space:]]+mountPath: $train_workdir/models$" "mounts capsnet-models on $train_workdir/models"
has "$job" "^[[:space:]]+claimName: capsnet-models$" "writes into the capsnet-models claim the service reads"
has "$job" "^[[:space:]]+nvidia\.com/gpu: 1$" "asks for one GPU"
has "$job" "^[[:space:]]+runAsUser: $app_uid$" "runs as UID $app_uid"
has "$job" "^[[:space:]]+readOnlyRootFilesystem: true$" "read-only root file system"
has "$job" "^[[:space:]]+mountPath: /tmp$" "gives /tmp a writable emptyDir"
has "$k8s/storage.yaml" "accessModes: \[ReadWriteMany\]" "capsnet-models is ReadWriteMany (replicas and Job on several nodes)"
while read -r resource; do
  check "$k8s/kustomization.yaml lists $resource, which exists" test -f "$k8s/$resource"
done < <(sed -n 's/^[[:space:]]*- \([a-z-]*\.yaml\)$/\1/p' "$k8s/kustomization.yaml")
hasnt "$k8s/kustomization.yaml" "^[[:space:]]*- train-job\.yaml" "leaves the Job out (one per training, kubectl create)"
has "$k8s/kustomization.yaml" "^[[:space:]]+- autoscaling\.yaml$" "lists the autoscaler"
has "$k8s/kustomization.yaml" "^#[[:space:]]+- path: autoscaling-in-flight\.yaml$" "offers the requests-in-flight patch, off (it needs a metrics adapter)"
for hpa in "$k8s/autoscaling.yaml" "$k8s/autoscaling-in-flight.yaml"; do
  has "$hpa" "^kind: HorizontalPodAutoscaler$" "is a HorizontalPodAutoscaler"
  has "$hpa" "^apiVersion: autoscaling/v2$" "autoscaling/v2"
  count "$hpa" "^  name: capsnet-api$" 1 "is named capsnet-api (the patch replaces the base's metrics)"
done
has "$k8s/autoscaling.yaml" "^[[:space:]]+kind: Deployment$" "scales a Deployment..."
count "$k8s/autoscaling.yaml" "^[[:space:]]+name: capsnet-api$" 2 "... named capsnet-api, as $deployment's"
has "$deployment" "^  name: capsnet-api$" "the Deployment is capsnet-api"
has "$deployment" "^[[:space:]]+cpu: [0-9]+m$" "requests CPU (the autoscaler's utilisation is of the request)"
has "$k8s/autoscaling.yaml" "^[[:space:]]+averageUtilization: [0-9]+$" "scales on CPU utilisation"
hasnt "$k8s/autoscaling.yaml" "type: Pods" "has no Pods metric by default (without an adapter it would never scale down)"
has "$k8s/autoscaling-in-flight.yaml" "^[[:space:]]+name: http_requests_in_progress$" "scales on http_requests_in_progress per pod"
has "$k8s/autoscaling-in-flight.yaml" "^[[:space:]]+averageUtilization: [0-9]+$" "... and keeps the CPU metric"

section "KServe ($kserve)"
has "$kserve" "^kind: ServingRuntime$" "declares the serving runtime..."
has "$kserve" "^kind: InferenceService$" "... and the InferenceService"
has "$kserve" "^  name: $model_name$" "the InferenceService and runtime are named $model_name, as the model (KServe's /v2/models/NAME paths)"
has "$kserve" "^[[:space:]]+protocolVersion: v2$" "the predictor speaks protocolVersion v2"
has "$kserve" "^[[:space:]]+- v2$" "the runtime declares protocol v2"
has "$kserve" "^[[:space:]]+runtime: $model_name$" "the predictor uses that runtime"
has "$kserve" "^[[:space:]]+image: capsnet-serve:" "runs the capsnet-serve image"
has "$kserve" "^[[:space:]]+- containerPort: $port$" "container port $port"
count "$kserve" "^[[:space:]]+value: \"$port\"$" 1 "ASPNETCORE_HTTP_PORTS=$port"
count "$kserve" "^[[:space:]]+port: $port$" 2 "the probes ask port $port"
has "$kserve" "^[[:space:]]+value: $models_dir$" "Inference__ModelDirectory=$models_dir (the model baked into the image)"
has "$kserve" "^[[:space:]]+path: /v2/health/ready$" "readiness probe: /v2/health/ready"
has "$kserve" "^[[:space:]]+path: /v2/health/live$" "liveness probe: /v2/health/live"
has "$kserve" "^[[:space:]]+runAsUser: $app_uid$" "runs as UID $app_uid"

section "Triton model repository ($triton_config)"
has "$triton_config" "^name: \"$model_name\"$" "the model is named $model_name, as on /v2/models/$model_name"
check "src/Training/Export/TritonRepository.cs names it $model_name too" \
  test "$(code_const src/Training/Export/TritonRepository.cs ModelName)" = "$model_name"
has "$triton_config" "^platform: \"onnxruntime_onnx\"$" "runs the ONNX file under ONNX Runtime"
has "$triton_config" "^max_batch_size: $max_batch$" "max_batch_size $max_batch, the service's batch limit (Uploads:MaxBatchImages)"
check "TritonRepository.MaxBatchSize is $max_batch" test "$(code_const src/Training/Export/TritonRepository.cs MaxBatchSize)" = "$max_batch"
has "$triton_config" "^[[:space:]]+max_queue_delay_microseconds: $(awk -v ms="$batch_delay_ms" 'BEGIN { printf "%d", ms * 1000 }')$" \
  "dynamic batching waits as long as the service's micro-batcher (Inference:Batching:MaxDelayMilliseconds, $batch_delay_ms ms)"
for tensor in ImageInput:"1, $image_side, $image_side" ProbabilitiesOutput:"$classes" CapsulesOutput:"$classes, $capsule_dims" \
              ReconstructionOutput:"1, $image_side, $image_side"; do
  name=$(code_const "$contract" "${tensor%%:*}")
  check "$triton_config: $name (${tensor%%:*}) has dims [ ${tensor#*:} ] after the batch" \
    test "$(pbtxt_dims "$triton_config" "$name")" = "${tensor#*:}"
done
count "$triton_config" "data_type: TYPE_FP32$" 4 "every tensor is FP32"

# The trainer options the deployment files use, to be checked against `capsnet-train train --help` below.
used_options=$( { printf '%s\n' "$train_cmd"; grep -E '^[[:space:]]+command: \[' "$compose_file"; grep -E '^[[:space:]]+- --[a-z-]+$' "$job"; } \
                | grep -oE -- '--[a-z][a-z-]+' | sort -u)

for option in $used_options; do
  check "the trainer's code declares $option (used by the Dockerfile, compose or the Job)" \
    grep -rqF --include='*.cs' -- "\"$option\"" src/Training/Cli src/Training/Run
done

# ---------------------------------------------------------------------------------------------------------------------
if ((static_only)); then
  printf '\ncheck-deploy-files (static): %d passed, %d failed\n' "$passed" "$failed"
  ((failed == 0)); exit
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/check-deploy.XXXXXX")
api_pid=
cleanup() {
  if [[ -n $api_pid ]] && kill -0 "$api_pid" 2>/dev/null; then kill "$api_pid" 2>/dev/null; wait "$api_pid" 2>/dev/null; fi
  if ((keep)); then echo "scratch folder kept: $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT

section "Build context (working tree filtered by .dockerignore)"
make_context "$scratch/context"
check "the context has $(wc -l <"$scratch/context.files") files, no bin/ or obj/" \
  bash -c '! grep -Eq "(^|/)(bin|obj)/" "$1"' _ "$scratch/context.files"

section "Dockerfile.train, build stage, TORCH_BACKEND=cpu (the CUDA package is not served here)"
start=$SECONDS
if run_build_stage "$train_file" "$scratch/context" "$scratch/train-fs" build TORCH_BACKEND=cpu >"$scratch/train-build.log" 2>&1; then
  ok "the build stage ran ($((SECONDS - start)) s)"
else
  fail "the build stage failed; its last lines:"; tail -n 30 "$scratch/train-build.log" | sed 's/^/        /'
fi
grep -E '^   (RUN|ARG)' "$scratch/train-build.log" | sed 's/^   /        /'
while read -r src dest; do
  check "COPY --from=build $src exists" test -e "$scratch/train-fs$src"
  [[ $dest == /app/ ]] && train_app=$scratch/train-fs$src
done < <(copies_from_build "$train_file" run)
train_exe=${train_app:-/nonexistent}/$train_name
check "the entry point /app/$train_name is an executable" test -x "$train_exe"
check "TorchSharp's native library is published (libLibTorchSharp.so)" test -f "${train_app:-/nonexistent}/libLibTorchSharp.so"
check "libtorch is published (libtorch_cpu.so)" test -f "${train_app:-/nonexistent}/libtorch_cpu.so"
if [[ -x $train_exe ]]; then
  help=$("$train_exe" train --help 2>&1)
  for option in $used_options; do
    check "capsnet-train train knows $option (used by the Dockerfile, compose or the Job)" \
      grep -qE -- "(^|[[:space:],])$option([[:space:],=]|\$)" <<<"$help"
  done
fi

section "Dockerfile.serve, build stage"
start=$SECONDS
if run_build_stage "$serve_file" "$scratch/context" "$scratch/serve-fs" build >"$scratch/serve-build.log" 2>&1; then
  ok "the build stage ran ($((SECONDS - start)) s)"
else
  fail "the build stage failed; its last lines:"; tail -n 30 "$scratch/serve-build.log" | sed 's/^/        /'
fi
grep -E '^   RUN' "$scratch/serve-build.log" | sed 's/^   /        /'
while read -r src dest; do
  check "COPY --from=build $src exists" test -e "$scratch/serve-fs$src"
  [[ $dest == /app/ ]] && api_app=$scratch/serve-fs$src
  [[ $dest == "$models_dir/" ]] && baked_models=$scratch/serve-fs$src
done < <(copies_from_build "$serve_file" run)
api_exe=${api_app:-/nonexistent}/$api_name
check "the entry point /app/$api_name is an executable" test -x "$api_exe"
check "ONNX Runtime and its CUDA provider are published" \
  test -f "${api_app:-/nonexistent}/libonnxruntime.so" -a -f "${api_app:-/nonexistent}/libonnxruntime_providers_cuda.so"
check "appsettings.json is published" test -f "${api_app:-/nonexistent}/appsettings.json"
check "the model is not left twice in the image (no /app/models)" test ! -e "${api_app:-/nonexistent}/models"
baked_models=${baked_models:-/nonexistent}
# The context is the snapshot the build saw (the working tree's models/ may change meanwhile: a training publishing).
if [[ -f $scratch/context/models/capsnet.onnx ]]; then
  for file in capsnet.onnx capsnet.decoder.onnx capsnet.json; do
    check "the repository's models/$file is baked into $models_dir" cmp -s "$scratch/context/models/$file" "$baked_models/$file"
  done
else
  check "models/ has no model: the image bakes none (the service waits for one in $models_dir)" \
    bash -c '[[ -d $1 && -z $(ls -A "$1") ]]' _ "$baked_models"
fi

section "The compose flow without Docker: service up, trainer publishes, service reloads"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$smoke_port$1"; }
wait_for() { # PATH STATUS SECONDS
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do [[ $(status_of "$1") == "$2" ]] && return 0; sleep 1; done
  return 1
}
model_version() { curl -s --max-time 5 "http://127.0.0.1:$smoke_port/model" | grep -oE '"modelVersion":"[^"]*"' | head -n 1; }

mnist=${CAPSNET_MNIST_DIR:-$root/../shared/mnist}
if [[ ! -x $api_exe || ! -x $train_exe ]]; then
  fail "skipped: the publishes above failed"
elif ! command -v curl >/dev/null || ! command -v python3 >/dev/null; then
  fail "curl and python3 are needed for this part"
else
  # The containers' file systems: the service's model folder is the trainer's models/ (the shared volume).
  workspace=$scratch/workspace
  mkdir -p "$workspace/data/mnist" "$workspace/runs" "$workspace/models"
  cp -a "$baked_models/." "$workspace/models/"
  smoke_port=$(free_port)
  ( cd "${api_app}" && DOTNET_RUNNING_IN_CONTAINER=true ASPNETCORE_HTTP_PORTS=$smoke_port \
      Inference__ModelDirectory=$workspace/models exec "$api_exe" ) >"$scratch/api.log" 2>&1 &
  api_pid=$!
  if wait_for /health/live 200 90; then ok "/health/live answers 200 on ASPNETCORE_HTTP_PORTS"; else fail "/health/live never answered 200"; tail -n 20 "$scratch/api.log" | sed 's/^/        /'; fi
  before=$(model_version)
  if [[ -f $workspace/models/capsnet.onnx ]]; then
    check "/health/ready answers 200 with the baked model" wait_for /health/ready 200 60
  else
    check "/health/ready answers 503 while $models_dir is empty" test "$(status_of /health/ready)" = 503
  fi
  check "/v2/health/ready (the manifests' readiness probe) answers as /health/ready" \
    test "$(status_of /v2/health/ready)" = "$(status_of /health/ready)"
  check "/v2/health/live (KServe's liveness probe) answers 200" test "$(status_of /v2/health/live)" = 200
  if [[ -f $mnist/train-images-idx3-ubyte.gz && -f $mnist/t10k-labels-idx1-ubyte.gz ]]; then
    for file in "$mnist"/*-ubyte.gz; do ln -s "$file" "$workspace/data/mnist/"; done
    # The image's CMD, as `docker run capsnet-train` runs it, made quick. It publishes with --only-if-better, so
    # a one-epoch model must leave the baked (more accurate) one in place; without the flag it replaces it, and
    # the running service notices the new capsnet.onnx by its watcher or its poll (Inference:ReloadPollSeconds, 5 s).
    mapfile -t cmd < <(stage_exec_form "$train_file" run CMD)
    quick=(--epochs 1 --limit-train 300 --limit-test 100 --no-download)
    run_trainer() { # LABEL ARGS...
      local label=$1 start=$SECONDS; shift
      if (cd "$workspace" && "$train_exe" "$@" "${quick[@]}") >"$scratch/train.log" 2>&1; then
        ok "the trainer ran $label (1 epoch, 300 images, $((SECONDS - start)) s)"
      else
        fail "the trainer failed on $label; its last lines:"; tail -n 20 "$scratch/train.log" | sed 's/^/        /'
      fi
    }
    run_trainer "the image's CMD" "${cmd[@]}"
    check "the run folder has checkpoints, metrics and the report" \
      bash -c 'ls "$1"/runs/latest/checkpoints/*.ckpt && ls "$1"/runs/latest/metrics.csv "$1"/runs/latest/report.html' _ "$workspace"
    if [[ -f $baked_models/capsnet.onnx ]]; then
      check "--only-if-better kept the baked model, which claims a higher accuracy" \
        bash -c 'for f in capsnet.onnx capsnet.decoder.onnx capsnet.json; do cmp -s "$1/$f" "$2/$f" || exit 1; done' _ "$baked_models" "$workspace/models"
      check "the trainer said why it kept the model" grep -q "Not published into" "$scratch/train.log"
      sleep 6 # one poll interval: a wrongly published model would show here
      check "the service still serves the baked model" test "$(model_version)" = "$before"
      forced=()
      for arg in "${cmd[@]}"; do [[ $arg == --only-if-better ]] || forced+=("$arg"); done
      run_trainer "the image's CMD without --only-if-better" "${forced[@]}"
    fi
    for file in capsnet.onnx capsnet.decoder.onnx capsnet.json; do
      check "models/$file was published" test -f "$workspace/models/$file"
    done
    deadline=$((SECONDS + 60))
    while [[ $(model_version) == "$before" ]] && ((SECONDS < deadline)); do sleep 1; done
    after=$(model_version)
    if [[ -n $after && $after != "$before" ]]; then
      ok "the running service hot-reloaded the published model ($after)"
    else
      fail "the service did not load the published model within 60 s; its last lines:"; tail -n 20 "$scratch/api.log" | sed 's/^/        /'
    fi
    check "/health/ready answers 200 after the publish" test "$(status_of /health/ready)" = 200
    check "/v2/models/$model_name/ready answers 200" test "$(status_of "/v2/models/$model_name/ready")" = 200
    v2_request=$(python3 -c 'import json; print(json.dumps({"inputs": [{"name": "image", "datatype": "UINT8", "shape": [1, 1, 28, 28], "data": [0] * 784}]}))')
    check "POST /v2/models/$model_name/infer answers 200" test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
      -H 'Content-Type: application/json' -d "$v2_request" "http://127.0.0.1:$smoke_port/v2/models/$model_name/infer")" = 200
    metrics=$(curl -s --max-time 5 "http://127.0.0.1:$smoke_port/metrics")
    check "/metrics has http_requests_in_progress (autoscaling-in-flight.yaml's metric)" grep -q '^http_requests_in_progress{' <<<"$metrics"
    check "/metrics has Triton's nv_inference_exec_count for $model_name" grep -q "^nv_inference_exec_count{model=\"$model_name\"" <<<"$metrics"

    # The published trainer writes the Triton repository that deploy/triton stands for.
    if (cd "$workspace" && "$train_exe" export --checkpoint runs/latest/checkpoints/best.ckpt --out "$scratch/export" \
          --data-dir data/mnist --triton-repository "$scratch/triton") >"$scratch/export.log" 2>&1; then
      ok "capsnet-train export --triton-repository ran"
    else
      fail "capsnet-train export --triton-repository failed; its last lines:"; tail -n 20 "$scratch/export.log" | sed 's/^/        /'
    fi
    check "its capsnet/config.pbtxt is $triton_config" cmp -s "$scratch/triton/capsnet/config.pbtxt" "$triton_config"
    check "its capsnet/1/model.onnx is the exported capsnet.onnx" cmp -s "$scratch/triton/capsnet/1/model.onnx" "$scratch/export/capsnet.onnx"
  else
    echo "  skip  no MNIST files in $mnist (set CAPSNET_MNIST_DIR): the trainer was not run"
  fi
fi

printf '\ncheck-deploy-files: %d passed, %d failed\n' "$passed" "$failed"
((failed == 0))

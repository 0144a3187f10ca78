#!/usr/bin/env bash
# Builds the images with podman and runs the whole stack from them on this machine, as root, with
# no Docker engine, registry or cluster (deploy/README.md, "Containers for real"):
#   1. base images: Debian bookworm (debootstrap, imported), the ASP.NET runtime on it, Redis;
#   2. the apps published here, and both images built from deploy/docker/*.Dockerfile, whose build
#      stage is replaced by the published folders (podman build --build-context build=...);
#   3. the compose stack's equivalent: Redis (append-only file on a volume), two inference and two
#      session containers (Redis store, API key hash from a podman secret), each non-root with a
#      read-only root file system;
#   4. the draggan CLI's `edit` through one session container, its outputs read through the other;
#   5. a long drag whose inference container is killed (SIGKILL): it finishes on the other one;
#   6. a drag whose session container is killed: it is taken over through the other one;
#   7. Redis restarted: every session is still there, unchanged;
#   8. `podman kube play` of the cpu overlay (deploy/podman/kube), waiting for the readiness probes.
# Each step's name is printed before it runs; a failure names the step and shows the containers'
# last log lines. Everything lives in one work folder (its own podman storage) removed at exit.
#
#   DRAGGAN_CONTAINERS_WORKDIR   work folder (default: a new /var/tmp/draggan-containers.XXXXXX);
#                                an existing one is reused: what it already holds is not rebuilt
#   DRAGGAN_CONTAINERS_KEEP=1    keep the work folder's images and published apps at exit
#   DRAGGAN_DEBIAN_MIRROR        debootstrap's mirror (default: the first one apt uses here)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

step_name="setup"
step() {
  step_name="$*"
  printf '\n== %s  %s\n' "$(date -u +%H:%M:%S)" "$step_name"
}
fail() {
  printf 'check-containers: %s\n' "$*" >&2
  exit 1
}
# wait_for SECONDS WHAT COMMAND...: runs COMMAND every second until it succeeds.
wait_for() {
  local limit="$1" what="$2" deadline
  shift 2
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$what: not within ${limit}s."
    sleep 1
  done
}

[[ "$(id -u)" -eq 0 ]] || fail "must run as root (rootful podman)."
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
missing=()
for tool in podman runc debootstrap curl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# kube play starts each pod with podman's pause image, which podman builds around catatonit (only
# a recommendation of Debian's podman package).
[[ -x /usr/libexec/podman/catatonit || -x /usr/bin/catatonit ]] || missing+=(catatonit)
if ((${#missing[@]})); then
  step "install ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends podman runc debootstrap curl ca-certificates uidmap catatonit >/dev/null
fi
command -v kubectl >/dev/null 2>&1 || fail "kubectl is required to render the manifests (deploy/tools/install.sh brings it)."

work="${DRAGGAN_CONTAINERS_WORKDIR:-$(mktemp -d /var/tmp/draggan-containers.XXXXXX)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
export CONTAINERS_CONF="$repo/deploy/podman/containers.conf"
export CONTAINERS_STORAGE_CONF="$work/storage.conf"
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/storage"\nrunroot = "%s/run"\n' "$work" "$work" >"$CONTAINERS_STORAGE_CONF"

# podman without systemd cannot schedule health check timers (the script runs the checks itself)
# and says so on stderr at every start and removal: leave those lines out.
quiet_timers() { "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }
show_logs() {
  local c
  for c in $(podman ps -a --format '{{.Names}}' 2>/dev/null); do
    printf -- '--- last log lines of %s\n' "$c" >&2
    podman logs --tail 25 "$c" >&2 2>&1 || true
  done
}
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if ((code != 0)); then
    printf '\ncheck-containers: FAILED in step "%s" (exit %d)\n' "$step_name" "$code" >&2
    show_logs
  fi
  [[ -n "${drag_pid:-}" ]] && kill "$drag_pid" 2>/dev/null
  podman pod rm --all --force --time 0 >/dev/null 2>&1 || true
  podman rm --all --force --time 0 >/dev/null 2>&1 || true
  podman volume rm --all --force >/dev/null 2>&1 || true
  podman secret rm --all >/dev/null 2>&1 || true
  if [[ "${DRAGGAN_CONTAINERS_KEEP:-}" == 1 ]]; then
    echo "check-containers: kept $work (images and published apps)" >&2
  else
    podman rmi --all --force >/dev/null 2>&1 || true
    umount -R "$work/storage/overlay" 2>/dev/null || true
    rm -rf "$work"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

# The ports the containers take on the host's network: the compose-like stack's own, then the
# manifests' (kube play keeps them).
declare -A port=(
  [redis]=26379 [inference1]=25051 [inference1_metrics]=29051 [inference2]=25052 [inference2_metrics]=29052
  [sessions1]=28080 [sessions1_web]=28081 [sessions1_metrics]=29080
  [sessions2]=28180 [sessions2_web]=28181 [sessions2_metrics]=29180
)
kube_ports=(6379 50051 9090 8080 8081 9091)
for p in "${port[@]}" "${kube_ports[@]}"; do
  if ss -ltnH "sport = :$p" | grep -q .; then
    fail "port $p is taken on this machine; the containers share the host's network and need it."
  fi
done

# ------------------------------------------------------------------------------------------------
step "base image: Debian bookworm (debootstrap --variant=minbase)"
mirror="${DRAGGAN_DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)}"
mirror="${mirror:-http://deb.debian.org/debian}"
if ! podman image exists localhost/draggan-base:bookworm; then
  rm -rf "$work/rootfs"
  timeout 900 debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap failed."; }
  tar -C "$work/rootfs" -c . | podman import --quiet --change 'CMD ["/bin/bash"]' - localhost/draggan-base:bookworm >/dev/null
  rm -rf "$work/rootfs"
fi

step "base image: the ASP.NET Core runtime on it (from this machine's .NET)"
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
runtime_version="$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" && $2 ~ /^10\./ {v = $2} END {print v}')"
[[ -n "$runtime_version" ]] || fail "no Microsoft.AspNetCore.App 10.x runtime in $dotnet_root."
if ! podman image exists localhost/draggan-dotnet-runtime:"$runtime_version"; then
  context="$work/dotnet-runtime"
  rm -rf "$context" && mkdir -p "$context/dotnet/shared"
  cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$context/dotnet/"
  for framework in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
    mkdir -p "$context/dotnet/shared/$framework"
    cp -a "$dotnet_root/shared/$framework/$runtime_version" "$context/dotnet/shared/$framework/"
  done
  timeout 600 podman build --quiet -f deploy/podman/dotnet-runtime.Containerfile \
    -t localhost/draggan-dotnet-runtime:"$runtime_version" "$context" >/dev/null
  rm -rf "$context"
fi

step "Redis image (Debian's redis-server on the base)"
if ! podman image exists localhost/draggan-redis:bookworm; then
  timeout 600 podman build --quiet -f deploy/podman/redis.Containerfile -t localhost/draggan-redis:bookworm deploy/podman >/dev/null
fi

# ------------------------------------------------------------------------------------------------
step "publish the services and the CLI (Release, TorchSharp CPU)"
publish="$work/publish"
if [[ ! -f clients/web/dist/index.html ]]; then
  (cd clients/web && npm ci --no-audit --no-fund --silent && npm run build --silent) >"$work/web-build.log" 2>&1 \
    || { tail -n 20 "$work/web-build.log" >&2; fail "the web client did not build."; }
fi
if [[ ! -x "$publish/inference/out/app/DragGan.Inference" ]]; then
  for project in services/DragGan.Inference tools/DragGan.ModelTool; do
    dotnet publish "$project/$(basename "$project").csproj" -c Release -r linux-x64 --self-contained \
      -p:TorchBackend=cpu -o "$publish/inference/out/app" -v quiet -nologo
  done
fi
if [[ ! -f "$publish/sessions/out/app/DragGan.Sessions.dll" ]]; then
  dotnet publish services/DragGan.Sessions/DragGan.Sessions.csproj -c Release -r linux-x64 --no-self-contained \
    -p:UseAppHost=false -o "$publish/sessions/out/app" -v quiet -nologo
  [[ -f "$publish/sessions/out/app/wwwroot/index.html" ]] || fail "the session service was published without the web client."
fi
if [[ ! -x "$publish/cli/draggan" ]]; then
  dotnet publish clients/DragGan.Cli/DragGan.Cli.csproj -c Release -o "$publish/cli" -v quiet -nologo
fi
draggan_bin="$publish/cli/draggan"

# Docker format: OCI images cannot hold the inference image's HEALTHCHECK.
step "build the images from deploy/docker (build stage: the published folders)"
inference_image=ghcr.io/draggan/draggan-inference:0.1.0-cpu
sessions_image=ghcr.io/draggan/draggan-sessions:0.1.0
if ! podman image exists "$inference_image"; then
  timeout 900 podman build --format docker -f deploy/docker/inference.Dockerfile --build-arg TORCH_BACKEND=cpu \
    --build-arg RUNTIME_IMAGE=localhost/draggan-base:bookworm \
    --build-context build="$publish/inference" -t "$inference_image" . >"$work/inference-build.log" 2>&1 \
    || { tail -n 30 "$work/inference-build.log" >&2; fail "the inference image did not build."; }
fi
if ! podman image exists "$sessions_image"; then
  timeout 600 podman build --format docker -f deploy/docker/sessions.Dockerfile \
    --build-arg RUNTIME_IMAGE=localhost/draggan-dotnet-runtime:"$runtime_version" \
    --build-context build="$publish/sessions" -t "$sessions_image" . >"$work/sessions-build.log" 2>&1 \
    || { tail -n 30 "$work/sessions-build.log" >&2; fail "the session image did not build."; }
fi
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -v '<none>' | sed 's/^/  image /'

# ------------------------------------------------------------------------------------------------
healthy() { HEALTHCHECK_ADDRESS="$1" bash deploy/docker/grpc-health-check.sh; }
# Non-root, and nothing can be written outside the mounted volumes.
check_hardened() {
  local name="$1" uid readonly
  uid="$(podman exec "$name" id -u)"
  [[ "$uid" != 0 ]] || fail "$name runs as root."
  readonly="$(podman inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$name")"
  [[ "$readonly" == true ]] || fail "$name has a writable root file system."
  if podman exec "$name" touch /app/probe 2>/dev/null; then fail "$name could write to /app."; fi
  echo "  $name: uid $uid, read-only root file system"
}
start_inference() {
  local n="$1"
  quiet_timers podman run -d --name "draggan-inference-$n" --read-only --user 10001:10001 --tmpfs /tmp \
    -e Urls="http://0.0.0.0:${port[inference$n]}" -e Inference__MetricsPort="${port[inference${n}_metrics]}" \
    -e HEALTHCHECK_ADDRESS="127.0.0.1:${port[inference$n]}" \
    -e Inference__MaxActiveStreams=4 -e Inference__ShutdownDrainSeconds=20 -e ModelRegistry__IncludeDemoModel=true \
    "$inference_image" >/dev/null
}
start_sessions() {
  local n="$1"
  podman run -d --name "draggan-sessions-$n" --read-only --user 1654:1654 --tmpfs /tmp \
    --secret draggan-api-key-hash,type=env,target=Sessions__ApiKeys__0__KeyHash \
    --secret draggan-redis-connection,type=env,target=ConnectionStrings__Redis \
    -e Sessions__ApiKeys__0__Tenant=ci -e Sessions__Store=redis \
    -e Sessions__InferenceAddress="http://127.0.0.1:${port[inference1]},http://127.0.0.1:${port[inference2]}" \
    -e Kestrel__Endpoints__Grpc__Url="http://0.0.0.0:${port[sessions$n]}" -e Kestrel__Endpoints__Grpc__Protocols=Http2 \
    -e Kestrel__Endpoints__Web__Url="http://0.0.0.0:${port[sessions${n}_web]}" -e Kestrel__Endpoints__Web__Protocols=Http1 \
    -e Sessions__MetricsPort="${port[sessions${n}_metrics]}" \
    "$sessions_image" >/dev/null
}
# Seconds from `podman run` to the first SERVING answer, for deploy/README.md.
declare -A startup
timed_start() {
  local what="$1" address="$2" begin
  shift 2
  begin=$(date +%s.%N)
  "$@" >/dev/null
  wait_for 180 "$what SERVING" healthy "$address"
  startup[$what]=$(awk -v b="$begin" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - b}')
  echo "  $what SERVING after ${startup[$what]} s"
}

step "stack: Redis (append-only file on a volume, password, memory limit), 2 inference, 2 session containers"
api_key="$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
printf '%s' "$api_key" | sha256sum | cut -d' ' -f1 | tr -d '\n' | podman secret create draggan-api-key-hash - >/dev/null
# Redis as compose runs it: a password (on its standard input, not in its arguments), protected
# mode, and a memory limit at which it refuses writes. The session containers get the connection string, password included, from a secret.
redis_password="$(head -c 24 /dev/urandom | base64 | tr -d '\n/+=')"
printf '127.0.0.1:%s,password=%s' "${port[redis]}" "$redis_password" | podman secret create draggan-redis-connection - >/dev/null
podman volume create draggan-redis-data >/dev/null
start_redis() {
  podman run -d --name draggan-redis --read-only --user 999:999 -v draggan-redis-data:/data:U \
    -e REDIS_PASSWORD="$redis_password" -e REDISCLI_AUTH="$redis_password" \
    localhost/draggan-redis:bookworm sh -c 'exec redis-server - "$@" <<EOF
requirepass $REDIS_PASSWORD
EOF' redis-server --port "${port[redis]}" --bind 127.0.0.1 \
    --appendonly yes --save "" --dir /data --protected-mode yes \
    --maxmemory 512mb --maxmemory-policy noeviction >/dev/null
}
start_redis
wait_for 60 "Redis answering" podman exec draggan-redis redis-cli -p "${port[redis]}" ping
[[ "$(podman exec -e REDISCLI_AUTH= draggan-redis redis-cli -p "${port[redis]}" ping 2>&1)" == *NOAUTH* ]] \
  || fail "Redis answers a client without the password."
echo "  Redis refuses clients without the password; maxmemory $(podman exec draggan-redis redis-cli -p "${port[redis]}" config get maxmemory | tail -n1) bytes, noeviction"
timed_start inference-1 "127.0.0.1:${port[inference1]}" start_inference 1
timed_start inference-2 "127.0.0.1:${port[inference2]}" start_inference 2
timed_start sessions-1 "127.0.0.1:${port[sessions1]}" start_sessions 1
timed_start sessions-2 "127.0.0.1:${port[sessions2]}" start_sessions 2
# The inference image's own HEALTHCHECK (curl over h2c inside the container).
podman healthcheck run draggan-inference-1 || fail "the inference image's HEALTHCHECK fails in draggan-inference-1."
for c in draggan-inference-1 draggan-inference-2 draggan-sessions-1 draggan-sessions-2 draggan-redis; do
  check_hardened "$c"
done
curl -fsS "http://127.0.0.1:${port[sessions1_web]}/" | grep -qi '<html' || fail "sessions-1 serves no web client on its HTTP/1.1 port."

# The CLI against one session container: calls may take 2 minutes on a busy machine, commands 5.
draggan() { timeout 300 "$draggan_bin" --address "http://127.0.0.1:${port[$1]}" --api-key "$api_key" --timeout 120 "${@:2}"; }
out="$work/out"
mkdir -p "$out"

# ------------------------------------------------------------------------------------------------
step "CLI edit through sessions-1, results read through sessions-2"
draggan sessions1 models | tee "$out/models.txt"
grep -Eq '^faces-128\s+128\s+default\s' "$out/models.txt" || fail "the built-in face model is not the default model."
# The demo model (256 px, slower steps): the kills below land while its drag still runs.
draggan sessions1 edit --model demo-untrained-256 --seed 42 --point 100,128:130,128 --steps 20 \
  --png "$out/edit.png" --gif "$out/edit.gif" --latent "$out/edit.npy" | tee "$out/edit.txt"
session="$(sed -n 's/^session //p' "$out/edit.txt")"
[[ -n "$session" ]] || fail "edit printed no session id."
grep -Eq '^entry 2 committed after [0-9]+ steps' "$out/edit.txt" || fail "edit committed no drag entry."
[[ "$(head -c 8 "$out/edit.png" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] || fail "edit.png is not a PNG."
[[ "$(head -c 6 "$out/edit.gif")" == GIF89a ]] || fail "edit.gif is not a GIF."
[[ "$(head -c 6 "$out/edit.npy" | tail -c 5)" == NUMPY ]] || fail "edit.npy is not a NumPy array."
draggan sessions2 export "$session" --png "$out/edit-via-2.png" --latent "$out/edit-via-2.npy" >/dev/null
cmp "$out/edit.png" "$out/edit-via-2.png" || fail "sessions-2 exports another image than sessions-1 wrote."
cmp "$out/edit.npy" "$out/edit-via-2.npy" || fail "sessions-2 exports another latent than sessions-1 wrote."

# active_streams N: the draggan_inference_active_streams gauge of inference container N.
active_streams() {
  curl -fsS "http://127.0.0.1:${port[inference${1}_metrics]}/metrics" \
    | awk '/^draggan_inference_active_streams[{ ]/ {s += $NF} END {print s + 0}'
}
# A drag far from converging in the background, its step lines in a file; waits until it has taken
# 10 steps (the session service saves its state every 5), leaving 30 for after the kill.
start_long_drag() {
  local via="$1" log="$2"
  draggan "$via" drag "$session" --point 60,60:200,200 --steps 40 >"$log" 2>&1 &
  drag_pid=$!
  wait_for 120 "the drag's step 10" grep -Eq '^step [1-9][0-9] ' "$log"
}

step "kill -s KILL the inference container running a drag: it finishes on the other one"
start_long_drag sessions1 "$out/drag-inference-killed.txt"
victim=""
for n in 1 2; do
  if [[ "$(active_streams "$n")" -ge 1 ]]; then victim=$n; fi
done
[[ -n "$victim" ]] || fail "no inference container reports the drag's stream."
echo "  the drag runs on inference-$victim; killing it"
podman kill -s KILL "draggan-inference-$victim" >/dev/null
wait "$drag_pid" || { cat "$out/drag-inference-killed.txt" >&2; fail "the drag failed after inference-$victim was killed."; }
drag_pid=""
grep -q 'resumed on another replica' "$out/drag-inference-killed.txt" || fail "no frame of the drag was marked resumed."
grep -Eq '^entry 3 committed after [0-9]+ steps' "$out/drag-inference-killed.txt" || fail "the drag committed no entry."
grep -E 'resumed|^entry' "$out/drag-inference-killed.txt" | sed 's/^/  /'
timed_start "inference-$victim-restart" "127.0.0.1:${port[inference$victim]}" quiet_timers podman start "draggan-inference-$victim"

step "kill -s KILL the session container of a drag: the drag is taken over through the other one"
start_long_drag sessions1 "$out/drag-sessions-killed.txt"
podman kill -s KILL draggan-sessions-1 >/dev/null
if wait "$drag_pid"; then fail "the CLI's drag through the killed sessions-1 did not fail."; fi
drag_pid=""
killed_at="$(grep -E '^step ' "$out/drag-sessions-killed.txt" | tail -n1 | cut -d' ' -f2)"
draggan sessions2 drag "$session" --take-over >"$out/drag-taken-over.txt" 2>&1 \
  || { cat "$out/drag-taken-over.txt" >&2; fail "the take-over through sessions-2 failed."; }
first_step="$(grep -E '^step ' "$out/drag-taken-over.txt" | head -n1 | cut -d' ' -f2)"
grep -Eq '^entry 4 committed after [0-9]+ steps' "$out/drag-taken-over.txt" || fail "the taken-over drag committed no entry."
((first_step > 1)) || fail "the take-over started the drag again (first step $first_step) instead of continuing it."
echo "  killed at step $killed_at; sessions-2 continued from step $first_step"
grep -E '^entry' "$out/drag-taken-over.txt" | sed 's/^/  /'
timed_start sessions-1-restart "127.0.0.1:${port[sessions1]}" podman start draggan-sessions-1

step "restart Redis: every session is still there"
sessions=("$session" "$(draggan sessions2 new --seed 7)" "$(draggan sessions1 new --seed 8)")
for id in "${sessions[@]}"; do
  draggan sessions1 export "$id" --png "$out/$id.before.png" --latent "$out/$id.before.npy" >/dev/null
done
podman restart --time 10 draggan-redis >/dev/null
wait_for 60 "Redis answering after the restart" podman exec draggan-redis redis-cli -p "${port[redis]}" ping
wait_for 60 "sessions-2 SERVING after the Redis restart" healthy "127.0.0.1:${port[sessions2]}"
for id in "${sessions[@]}"; do
  draggan sessions2 export "$id" --png "$out/$id.after.png" --latent "$out/$id.after.npy" >/dev/null \
    || fail "session $id is gone after the Redis restart."
  cmp -s "$out/$id.before.png" "$out/$id.after.png" && cmp -s "$out/$id.before.npy" "$out/$id.after.npy" \
    || fail "session $id changed across the Redis restart."
done
undo="$(draggan sessions2 undo "$session")"
[[ "$undo" == "at entry 3 (3 of 4"* ]] || fail "the edited session's history is not whole after the restart: $undo"
echo "  ${#sessions[@]} sessions unchanged; history: $undo"

step "stop the stack"
quiet_timers podman rm --all --force --time 10 >/dev/null

# ------------------------------------------------------------------------------------------------
step "kube play: the cpu overlay (deploy/podman/kube)"
kube="$work/kube"
mkdir -p "$kube"
kubectl kustomize deploy/podman/kube >"$kube/rendered.yaml"
# One file per object; podman 4.3 plays Pods, Deployments, PersistentVolumeClaims and ConfigMaps.
awk -v dir="$kube" '
  /^---/ { n++; next }
  { print > (dir "/object-" sprintf("%03d", n) ".yaml") }
' "$kube/rendered.yaml"
: >"$kube/play.yaml"
skipped=()
for object in "$kube"/object-*.yaml; do
  kind="$(sed -n 's/^kind: //p' "$object")"
  name="$(awk '/^metadata:/ {m = 1; next} m && /^  name:/ {print $2; exit}' "$object")"
  case "$kind" in
    Deployment | Pod | PersistentVolumeClaim | ConfigMap)
      { echo "---"; cat "$object"; } >>"$kube/play.yaml" ;;
    *)
      skipped+=("$kind/$name")
      if [[ "$kind" == Secret ]]; then secret_name="$name"; fi
      if [[ "$kind" == StatefulSet ]]; then redis_object="$object"; fi
      ;;
  esac
done
echo "  played: $(grep -c '^kind:' "$kube/play.yaml") objects ($(sed -n 's/^kind: //p' "$kube/play.yaml" | sort | uniq -c | xargs))"
echo "  not played (podman kube play does not support them): ${skipped[*]}"
[[ -n "${secret_name:-}" && -n "${redis_object:-}" ]] || fail "the rendering has no API key Secret or no Redis StatefulSet."
# The Secret's keys, with this run's key hash, as a podman secret: the JSON of its data (key to
# base64 value), which is what kube play's envFrom.secretRef reads.
hash_b64="$(printf '%s' "$api_key" | sha256sum | cut -d' ' -f1 | tr -d '\n' | base64 -w0)"
printf '{"Sessions__ApiKeys__0__Tenant": "%s", "Sessions__ApiKeys__0__KeyHash": "%s"}' "$(printf ci | base64)" "$hash_b64" \
  | podman secret create "$secret_name" - >/dev/null
# The StatefulSet's Redis, with its container's arguments, as a plain container on the Service's
# port. The arguments are a block list of plain or double-quoted words and literal blocks ("- |",
# the shell script that hands Redis its password on standard input), read NUL-separated since a
# block spans lines.
mapfile -d '' -t redis_argv < <(awk '
  /^ *- args:$/ { a = 1; next }
  !a { next }
  inblock {
    if (substr($0, 1, length(pad)) == pad) { arg = arg substr($0, length(pad) + 1) "\n"; next }
    printf "%s%c", arg, 0; inblock = 0
  }
  /^ *- / {
    match($0, /^ *- /); item = substr($0, RLENGTH + 1)
    if (item == "|") { pad = sprintf("%" RLENGTH "s", ""); arg = ""; inblock = 1; next }
    if (item ~ /^".*"$/) item = substr(item, 2, length(item) - 2)
    printf "%s%c", item, 0; next
  }
  { exit }
  END { if (inblock) printf "%s%c", arg, 0 }' "$redis_object")
((${#redis_argv[@]})) || fail "the Redis StatefulSet's container has no args."
# The Secret the manifests expect to exist (draggan-redis-auth, key password), and the session
# pod's connection string as a secret of its own (podman does not expand $(REDIS_PASSWORD)).
kube_redis_password="$(head -c 24 /dev/urandom | base64 | tr -d '\n/+=')"
printf '{"password": "%s"}' "$(printf '%s' "$kube_redis_password" | base64 -w0)" | podman secret create draggan-redis-auth - >/dev/null
printf '{"connection": "%s"}' "$(printf '127.0.0.1:6379,password=%s' "$kube_redis_password" | base64 -w0)" \
  | podman secret create draggan-podman-redis-connection - >/dev/null
echo "  Redis (StatefulSet) runs as a container instead: ${redis_argv[*]}"
podman volume create draggan-kube-redis-data >/dev/null
podman run -d --name draggan-kube-redis --read-only --user 999:999 -v draggan-kube-redis-data:/data:U \
  -e REDIS_PASSWORD="$kube_redis_password" -e REDISCLI_AUTH="$kube_redis_password" \
  localhost/draggan-redis:bookworm "${redis_argv[@]}" >/dev/null
wait_for 60 "the StatefulSet's Redis answering" podman exec draggan-kube-redis redis-cli ping
quiet_timers podman kube play "$kube/play.yaml" >/dev/null
podman pod ps --format '  pod {{.Name}}: {{.Status}}, {{.NumberOfContainers}} containers'
# podman does not run readiness probes: run each Deployment's gRPC readiness probe here.
for object in "$kube"/object-*.yaml; do
  [[ "$(sed -n 's/^kind: //p' "$object")" == Deployment ]] || continue
  name="$(awk '/^metadata:/ {m = 1; next} m && /^  name:/ {print $2; exit}' "$object")"
  # The probe's block: its gRPC port, and the health service it asks for (none: the overall status).
  probe="$(awk '
    /^ *readinessProbe:$/ { r = 1; indent = match($0, /[^ ]/); next }
    r && match($0, /[^ ]/) <= indent { r = 0 }
    r && /^ *grpc:$/ { grpc = 1 }
    r && /^ *port:/ { port = $2 }
    r && /^ *service:/ { service = $2 }
    END { if (grpc && service == "") print port }' "$object")"
  [[ "$probe" =~ ^[0-9]+$ ]] || fail "$name: its readiness probe is not a gRPC probe of the overall status."
  begin=$SECONDS
  wait_for 300 "$name's readiness probe (gRPC health on $probe)" healthy "127.0.0.1:$probe"
  echo "  $name ready: gRPC health SERVING on $probe after $((SECONDS - begin)) s"
done
for c in $(podman ps --format '{{.Names}}' | grep -E -- '-(inference|sessions)$'); do
  echo "  $c: uid $(podman exec "$c" id -u), read-only root file system: $(podman inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$c")"
done
draggan_kube() { timeout 300 "$draggan_bin" --address http://127.0.0.1:8080 --api-key "$api_key" --timeout 120 "$@"; }
draggan_kube models | sed 's/^/  models: /'
# The pods' emptyDir volumes go with the cleanup (kube down complains that another pod's is in use).
podman kube down "$kube/play.yaml" >/dev/null 2>&1 || true

step "done"
for what in "${!startup[@]}"; do echo "  start-up to SERVING: $what ${startup[$what]} s"; done | sort
echo "check-containers: all steps passed."

#!/usr/bin/env bash
# Entrypoint of the inference image: fetches the checkpoints listed in DRAGGAN_MODEL_FETCH, checks
# each one's SHA-256, registers it with the model registry, then runs the given command.
#
#   DRAGGAN_MODEL_FETCH   one model per line (or separated by ';'): NAME URL SHA256
#                         NAME: letters, digits, '.', '_' or '-'; URL: https://, http:// or file://,
#                         its path ending in .pkl or .safetensors; SHA256: 64 hex digits.
#   DRAGGAN_MODELS_DIR    where downloads go (default: ModelRegistry__BaseDirectory, else /models).
#
# A file already there with the right checksum is kept (a persistent volume downloads once). A
# download whose checksum differs is deleted and the container fails. Each model is registered as
# ModelRegistry__Models__NAME__Path unless that variable is already set.
#
# "draggan-entrypoint fetch-models" only fetches and exits (for an init container); any other
# arguments are the command to run (default: the inference service).
set -euo pipefail

log() { printf 'draggan-entrypoint: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

models_dir="${DRAGGAN_MODELS_DIR:-${ModelRegistry__BaseDirectory:-/models}}"
registry_env=()

fetch_one() {
  local name="$1" url="$2" sha="$3"
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "model name '$name' may hold only letters, digits, '.', '_' and '-'."
  [[ "$url" =~ ^(https?|file):// ]] || die "model '$name': URL must start with https://, http:// or file://, got '$url'."
  sha="${sha,,}"
  [[ "$sha" =~ ^[0-9a-f]{64}$ ]] || die "model '$name': SHA256 must be 64 hex digits, got '$sha'."

  local path="${url%%[?#]*}" ext
  case "$path" in
    *.pkl) ext=pkl ;;
    *.safetensors) ext=safetensors ;;
    *) die "model '$name': the URL's path must end in .pkl or .safetensors: '$path'." ;;
  esac
  local dest="$models_dir/$name.$ext"

  if [[ -f "$dest" ]] && [[ "$(sha256sum "$dest" | cut -d' ' -f1)" == "$sha" ]]; then
    log "model '$name': $dest is present with the expected checksum."
  else
    [[ -d "$models_dir" && -w "$models_dir" ]] || die "model '$name': $models_dir is not a writable folder."
    log "model '$name': downloading $path"
    local part="$dest.part"
    rm -f "$part"
    curl --fail --location --silent --show-error --retry 5 --retry-delay 3 --connect-timeout 30 \
      --output "$part" "$url" || { rm -f "$part"; die "model '$name': download failed."; }
    local got
    got="$(sha256sum "$part" | cut -d' ' -f1)"
    if [[ "$got" != "$sha" ]]; then
      rm -f "$part"
      die "model '$name': checksum mismatch: expected $sha, got $got."
    fi
    mv -f "$part" "$dest"
    log "model '$name': saved to $dest ($(stat -c %s "$dest") bytes)."
  fi

  local var="ModelRegistry__Models__${name}__Path"
  if printenv "$var" >/dev/null 2>&1; then
    log "model '$name': $var is already set, leaving it."
  else
    registry_env+=("$var=$dest")
  fi
}

fetch_all() {
  local spec="${DRAGGAN_MODEL_FETCH:-}" entry
  [[ -n "${spec//[[:space:];]/}" ]] || return 0
  while IFS= read -r entry; do
    entry="${entry#"${entry%%[![:space:]]*}"}"
    [[ -z "$entry" || "$entry" == \#* ]] && continue
    local fields=()
    read -r -a fields <<<"$entry"
    [[ ${#fields[@]} -eq 3 ]] || die "DRAGGAN_MODEL_FETCH entries are 'NAME URL SHA256', got '$entry'."
    fetch_one "${fields[0]}" "${fields[1]}" "${fields[2]}"
  done < <(tr ';' '\n' <<<"$spec")
}

fetch_all

if [[ "${1:-}" == "fetch-models" ]]; then
  exit 0
fi
if [[ $# -eq 0 ]]; then
  set -- /app/DragGan.Inference
fi
exec env "${registry_env[@]}" "$@"

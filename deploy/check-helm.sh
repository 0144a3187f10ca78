#!/usr/bin/env bash
# Lints the chart and renders it with its default values and with every example values file
# (helm/draggan/ci/*-values.yaml), when helm is on PATH (or named by $HELM). Without helm it says
# so and succeeds: the chart's values are still checked against values.schema.json by
# tests/DragGan.Deploy.Tests, and the rendered manifests are parsed there when helm is present.
set -euo pipefail
cd "$(dirname "$0")/.."

helm="${HELM:-}"
if [ -z "$helm" ]; then
  helm="$(command -v helm || true)"
fi
if [ -z "$helm" ]; then
  echo "helm not found: skipping helm lint/template (deploy/tools/install.sh installs one)."
  exit 0
fi

chart=helm/draggan
echo "helm: $("$helm" version --short 2>/dev/null || echo unknown) at $helm"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

"$helm" lint --strict "$chart"
for values in "$chart"/ci/*-values.yaml; do
  "$helm" lint --strict "$chart" -f "$values"
done

"$helm" template draggan "$chart" --namespace draggan > "$out/default.yaml"
echo "helm template (default values): $(grep -c '^kind:' "$out/default.yaml") objects"
for values in "$chart"/ci/*-values.yaml; do
  name="$(basename "$values" .yaml)"
  "$helm" template draggan "$chart" --namespace draggan -f "$values" > "$out/$name.yaml"
  echo "helm template ($values): $(grep -c '^kind:' "$out/$name.yaml") objects"
done
echo "helm lint/template: ok"

#!/usr/bin/env bash
# Generates the Python messages and gRPC stubs of protos/draggan/v1 into OUT (default: ./gen) with
# Debian's protoc and grpc_python_plugin (packages protobuf-compiler and protobuf-compiler-grpc).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/gen}"
mkdir -p "$out"
protoc -I "$here/../../protos" \
  --python_out="$out" \
  --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
  "$here"/../../protos/draggan/v1/*.proto

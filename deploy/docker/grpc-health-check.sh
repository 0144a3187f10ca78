#!/usr/bin/env bash
# Container health check of the inference image: calls grpc.health.v1.Health/Check (the overall
# status, service "") over h2c with curl and succeeds only on SERVING.
#   HEALTHCHECK_ADDRESS   default 127.0.0.1:50051
set -euo pipefail
address="${HEALTHCHECK_ADDRESS:-127.0.0.1:50051}"
# Request: one uncompressed gRPC frame holding an empty HealthCheckRequest (5 zero bytes).
# Answer when serving: a frame of 2 bytes, field 1 (status) = 1 (SERVING): 00 00000002 08 01.
reply="$(printf '\0\0\0\0\0' \
  | curl --silent --show-error --http2-prior-knowledge --max-time 4 -X POST \
      -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @- \
      "http://$address/grpc.health.v1.Health/Check" \
  | od -An -v -tx1 | tr -d ' \n')"
if [[ "$reply" == "00000000020801" ]]; then
  exit 0
fi
echo "not serving (reply: ${reply:-none})" >&2
exit 1

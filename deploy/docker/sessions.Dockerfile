# syntax=docker/dockerfile:1
#
# The DragGAN session service: gRPC on 8080 (HTTP/2 without TLS, h2c), gRPC-Web and the web client
# on 8081 (HTTP/1.1), Prometheus /metrics on 9090 when Sessions__MetricsPort=9090 (compose and the
# Kubernetes manifests set it; the service leaves metrics off without it).
# Build from the repository root:
#   docker build -f deploy/docker/sessions.Dockerfile -t draggan-sessions:0.1.0 .
#
# The runtime is the ASP.NET image on Ubuntu with ffmpeg from the distribution's packages (MP4
# exports pipe frames through it; no temporary files, so the root filesystem stays read-only),
# running as the image's non-root "app" user (uid 1654).

# Node 22 or newer: @bufbuild/protoc-gen-es requires it (vite 8: 20.19+).
ARG NODE_IMAGE=node:22-bookworm-slim
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble

# The browser client: `npm run build` generates its TypeScript from ../../protos (buf), type-checks
# and bundles it into clients/web/dist. The lock file first, so dependencies stay a cached layer.
FROM ${NODE_IMAGE} AS web
WORKDIR /src/clients/web
COPY clients/web/package.json clients/web/package-lock.json ./
RUN --mount=type=cache,id=draggan-npm,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY protos/ /src/protos/
COPY clients/web/ /src/clients/web/
RUN npm run build

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
# DragGan.Sessions.csproj publishes clients/web/dist into wwwroot when dist/index.html exists.
# For linux-x64 only: without a runtime identifier every platform's native libraries (about
# 500 MB of them) would be copied; framework-dependent, as the runtime image provides .NET.
# No Development settings reach the image: the environment alone never turns keys off.
COPY --from=web /src/clients/web/dist/ clients/web/dist/
RUN --mount=type=cache,id=draggan-nuget,target=/root/.nuget/packages \
    dotnet publish services/DragGan.Sessions/DragGan.Sessions.csproj \
      -c Release -r linux-x64 --no-self-contained -p:UseAppHost=false -o /out/app \
 && test -f /out/app/wwwroot/index.html \
 && test ! -e /out/app/appsettings.Development.json

FROM ${RUNTIME_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out/app/ /app/
EXPOSE 8080 8081 9090
USER 1654:1654
# No HEALTHCHECK: the image has no gRPC client to run one. Kubernetes probes
# grpc.health.v1 on 8080 itself, and compose waits on the inference service and Redis only.
ENTRYPOINT ["dotnet", "/app/DragGan.Sessions.dll"]

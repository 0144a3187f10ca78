# syntax=docker/dockerfile:1
#
# The DragGAN session service (gRPC, gRPC-Web and the web client on 8080, /metrics on 9090).
# Build from the repository root:
#   docker build -f deploy/docker/sessions.Dockerfile -t draggan-sessions:0.1.0 .
#
# The runtime is the chiseled ASP.NET image: no shell, no package manager, non-root by default
# (uid 1654, "app"), invariant globalization.

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,id=draggan-nuget,target=/root/.nuget/packages \
    dotnet publish services/DragGan.Sessions/DragGan.Sessions.csproj \
      -c Release -p:UseAppHost=false -o /out/app

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build /out/app/ /app/
EXPOSE 8080 9090
USER 1654:1654
# No HEALTHCHECK: the chiseled image has neither a shell nor an HTTP client to run one. Kubernetes
# probes GET /healthz on 8080 itself, and compose waits on the inference service and Redis only.
ENTRYPOINT ["dotnet", "/app/DragGan.Sessions.dll"]

# syntax=docker/dockerfile:1
#
# The DragGAN inference service (gRPC on 50051, Prometheus /metrics on 9090), with the
# draggan-model tool beside it. Build from the repository root.
#
#   GPU (default): TorchSharp-cuda-linux on the NVIDIA CUDA runtime (cuDNN, Ubuntu 24.04)
#     docker build -f deploy/docker/inference.Dockerfile -t draggan-inference:0.1.0-cuda .
#   CPU:
#     docker build -f deploy/docker/inference.Dockerfile \
#       --build-arg TORCH_BACKEND=cpu --build-arg RUNTIME_IMAGE=ubuntu:24.04 \
#       -t draggan-inference:0.1.0-cpu .
#
# TorchSharp 0.107 loads libtorch 2.10 built for CUDA 12.8 (libtorch-cuda-12.8-linux-x64): the
# base image provides the CUDA 12.8 runtime and cuDNN, the host the driver (NVIDIA container
# toolkit). Ubuntu 24.04's libstdc++ has GLIBCXX_3.4.32, so build/TorchSharpNativeCompat.targets changes nothing
# here (it only patches on hosts such as Debian 12).
#
# Models: mount checkpoints at /models (ModelRegistry__BaseDirectory), or set DRAGGAN_MODEL_FETCH
# to have the entrypoint download them, checksum-verified, before the service starts
# (deploy/docker/inference-entrypoint.sh). With neither, the untrained demo model is served.

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG RUNTIME_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

FROM ${SDK_IMAGE} AS build
# cuda selects TorchSharp-cuda-linux (Directory.Build.props), cpu TorchSharp-cpu.
ARG TORCH_BACKEND=cuda
WORKDIR /src
COPY . .
# The NuGet cache (several GB of libtorch for CUDA) lives in a BuildKit cache, not in a layer.
# Both programs are published self-contained into one folder: they share libtorch.
RUN --mount=type=cache,id=draggan-nuget,target=/root/.nuget/packages \
    dotnet publish services/DragGan.Inference/DragGan.Inference.csproj \
      -c Release -r linux-x64 --self-contained -p:TorchBackend=${TORCH_BACKEND} -o /out/app \
 && dotnet publish tools/DragGan.ModelTool/DragGan.ModelTool.csproj \
      -c Release -r linux-x64 --self-contained -p:TorchBackend=${TORCH_BACKEND} -o /out/app

FROM ${RUNTIME_IMAGE} AS runtime
ARG TORCH_BACKEND=cuda
# curl: model download at start and the health check; ca-certificates: HTTPS model URLs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
# An unprivileged user with a fixed numeric id (Kubernetes runAsNonRoot checks the number).
RUN groupadd --system --gid 10001 draggan \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin draggan \
 && install -d -o 10001 -g 10001 -m 0755 /models
WORKDIR /app
COPY --from=build /out/app/ /app/
COPY --chmod=0755 deploy/docker/inference-entrypoint.sh /usr/local/bin/draggan-entrypoint
COPY --chmod=0755 deploy/docker/grpc-health-check.sh /usr/local/bin/draggan-healthcheck
RUN ln -s /app/draggan-model /usr/local/bin/draggan-model
# The device follows the build: cuda or cpu. No ICU in the image: invariant globalization.
ENV ModelRegistry__Device=${TORCH_BACKEND} \
    ModelRegistry__BaseDirectory=/models \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=true \
    CUDA_CACHE_PATH=/tmp/cuda-cache
EXPOSE 50051 9090
USER 10001:10001
# grpc.health.v1 Check over h2c with curl; Kubernetes uses its own gRPC probes instead.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 CMD ["draggan-healthcheck"]
ENTRYPOINT ["draggan-entrypoint"]
CMD ["/app/DragGan.Inference"]

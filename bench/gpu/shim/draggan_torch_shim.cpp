// ATen switches that TorchSharp 0.107 does not expose, compiled beside the rebuilt LibTorchSharp
// against the same libtorch (bench/gpu/run.sh). The engine loads this library when it is present
// (DragGan.Engine/Native/TorchShim.cs) and does without it otherwise.
#include <ATen/Context.h>

#define DRAGGAN_EXPORT extern "C" __attribute__((visibility("default")))

// cuDNN autotuning: each convolution shape is benchmarked once and the fastest algorithm kept.
// A drag runs the same shapes every step, so the first step pays and every later one gains.
DRAGGAN_EXPORT void draggan_set_cudnn_benchmark(int enabled)
{
    at::globalContext().setBenchmarkCuDNN(enabled != 0);
}

DRAGGAN_EXPORT int draggan_cudnn_benchmark()
{
    return at::globalContext().benchmarkCuDNN() ? 1 : 0;
}

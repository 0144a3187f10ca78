using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Benchmarks;

/// <summary>
/// Forward + backward (to the input) of each kind of op the synthesis network runs, on the shapes of
/// the official architecture's b64 and b128 blocks, at several batch sizes: where batched steps
/// spend their time. TorchSharp has no profiler, so each op is timed by hand.
/// </summary>
internal static class OpProfile
{
    public static IEnumerable<Dictionary<string, object>> Run(int[] batches, bool quick, Action synchronize)
    {
        var heapTuned = DragGan.Engine.Native.GlibcHeapTuning.EnsureApplied();
        var ops = new (string Name, Func<long, Func<Tensor>> Build)[]
        {
            ("conv3x3 512->512 @64", n => Conv(n, 512, 512, 64)),
            ("conv3x3 256->256 @128", n => Conv(n, 256, 256, 128)),
            ("conv_transpose s2 512->512 @32", n => ConvTranspose(n, 512, 512, 32)),
            ("conv_transpose s2 512->256 @64", n => ConvTranspose(n, 512, 256, 64)),
            ("fir depthwise 256 @129", n => Depthwise(n, 256, 129)),
            ("fir depthwise 512 @65", n => Depthwise(n, 512, 65)),
            ("modulate+demod+bias+lrelu 256 @128", n => Elementwise(n, 256, 128)),
        };
        foreach (var (name, build) in ops)
        {
            double? single = null;
            foreach (var batch in batches)
            {
                var step = build(batch);
                var ms = Measurement.MedianMilliseconds(() => { using var scope = NewDisposeScope(); step().backward(); }, warmup: 1, quick ? 3 : 7, synchronize);
                single ??= ms / batch;
                yield return new Dictionary<string, object>
                {
                    ["suite"] = "ops",
                    ["op"] = name,
                    ["batch"] = batch,
                    ["threads"] = get_num_threads(),
                    ["glibc_heap_tuning"] = heapTuned,
                    ["forward_backward_ms"] = Math.Round(ms, 2),
                    ["ratio_to_batch_x_single"] = Math.Round(ms / (batch * single.Value), 2),
                };
            }
        }
    }

    private static Tensor Input(long n, long c, long size) => randn(n, c, size, size).requires_grad_(true);

    private static Func<Tensor> Conv(long n, long i, long o, long size)
    {
        var x = Input(n, i, size);
        var w = randn(o, i, 3, 3).mul(0.02);
        return () => F.conv2d(x, w, padding: [1, 1]).sum();
    }

    private static Func<Tensor> ConvTranspose(long n, long i, long o, long size)
    {
        var x = Input(n, i, size);
        var w = randn(i, o, 3, 3).mul(0.02);
        return () => F.conv_transpose2d(x, w, strides: [2, 2]).sum();
    }

    private static Func<Tensor> Depthwise(long n, long c, long size)
    {
        var x = Input(n, c, size);
        var w = ones(c, 1, 4, 4).div(16);
        return () => F.conv2d(x, w, padding: [1, 1], groups: c).sum();
    }

    private static Func<Tensor> Elementwise(long n, long c, long size)
    {
        var x = Input(n, c, size);
        var s = randn(n, c, 1, 1);
        var b = randn(1, c, 1, 1);
        return () => F.leaky_relu(x.mul(s).mul(s).add(b), 0.2).mul(Math.Sqrt(2)).clamp(-256, 256).sum();
    }
}

using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Benchmarks;

/// <summary>
/// Loading the checkpoint (reading the file, or drawing random weights), generator forward (image,
/// features to b128) and forward + backward to the first 6 rows of w+.
/// </summary>
internal static class GeneratorBenchmark
{
    public static IEnumerable<Dictionary<string, object>> Run(BenchmarkModel model, Device device, bool quick, Action synchronize)
    {
        using var generator = model.Create(device);
        var resolution = generator.Config.ImgResolution;
        var repeats = quick || resolution >= 1024 ? 3 : 5;
        var load = Measurement.MedianMilliseconds(() => model.Load().Dispose(), warmup: 1, repeats);
        using var ws = generator.Map(torch.randn(1, generator.Config.ZDim, generator: new Generator(7)).to(device), psi: 0.7);

        var forward = Measurement.MedianMilliseconds(() =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = torch.no_grad();
            generator.Synthesize(ws).Dispose();
        }, warmup: 1, repeats, synchronize);

        var features = Measurement.MedianMilliseconds(() =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = torch.no_grad();
            generator.Synthesize(ws, new SynthesisOptions { RenderImage = false, FeatureResolutions = [Math.Min(128, resolution)] }).Dispose();
        }, warmup: 1, repeats, synchronize);

        var backward = Measurement.MedianMilliseconds(() =>
        {
            using var scope = NewDisposeScope();
            var head = ws.narrow(1, 0, 6).detach().requires_grad_(true);
            var latent = torch.cat([head, ws.narrow(1, 6, generator.NumWs - 6)], 1);
            using var result = generator.Synthesize(latent);
            result.Image!.square().mean().backward();
            _ = head.grad!.sum().item<float>();
        }, warmup: 1, repeats, synchronize);

        yield return new Dictionary<string, object>
        {
            ["suite"] = "generator",
            ["model"] = model.Name,
            ["resolution"] = resolution,
            ["repeats"] = repeats,
            ["checkpoint_load_ms"] = Math.Round(load, 2),
            ["forward_ms"] = Math.Round(forward, 2),
            ["forward_to_b128_ms"] = Math.Round(features, 2),
            ["forward_backward_first6_ms"] = Math.Round(backward, 2),
            ["peak_rss_mib"] = Math.Round(Measurement.PeakResidentMiB(), 1),
        };
    }
}

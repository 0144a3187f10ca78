using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Client.Tests.Support;

/// <summary>
/// The demo generator the inference service serves (same seeded weights), used to look at what a
/// drag did: DragGAN's feature map (block b128's output resized bilinearly to the image, as
/// the engine's point tracking reads it) of an exported latent, and where a feature is found in it.
/// </summary>
public sealed class DemoFeatures : IDisposable
{
    private const int FeatureBlock = 128;
    private readonly StyleGan2Generator _generator;

    public DemoFeatures()
    {
        using var checkpoint = DemoModel.CreateCheckpoint();
        _generator = StyleGan2Generator.Create(checkpoint);
    }

    public int Resolution => _generator.Config.ImgResolution;

    /// <summary>The resized feature map of a w+ latent (num_ws x w_dim, row-major).</summary>
    public FeatureMap Of(float[] latent)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ws = tensor(latent, [1, _generator.NumWs, _generator.Config.WDim]);
        using var result = _generator.Synthesize(ws, new SynthesisOptions { RenderImage = false, FeatureResolutions = [FeatureBlock] });
        var resized = F.interpolate(result.Features[FeatureBlock], [Resolution, Resolution], mode: InterpolationMode.Bilinear, align_corners: false);
        var channels = (int)resized.shape[1];
        return new FeatureMap(channels, Resolution, resized.contiguous().data<float>().ToArray());
    }

    public void Dispose() => _generator.Dispose();
}

/// <summary>A [C, size, size] feature map on the host.</summary>
public sealed class FeatureMap(int channels, int size, float[] values)
{
    public float[] At(int x, int y)
    {
        var feature = new float[channels];
        for (var c = 0; c < channels; c++)
            feature[c] = values[(c * size + y) * size + x];
        return feature;
    }

    /// <summary>The pixel within <paramref name="radius"/> of (<paramref name="x"/>, <paramref name="y"/>) whose feature is nearest (L2) to <paramref name="reference"/>.</summary>
    public (int X, int Y) Nearest(float[] reference, int x, int y, int radius)
    {
        var best = (X: x, Y: y);
        var bestDistance = double.MaxValue;
        for (var row = Math.Max(0, y - radius); row <= Math.Min(size - 1, y + radius); row++)
        {
            for (var col = Math.Max(0, x - radius); col <= Math.Min(size - 1, x + radius); col++)
            {
                double distance = 0;
                for (var c = 0; c < channels; c++)
                {
                    var d = values[(c * size + row) * size + col] - reference[c];
                    distance += d * d;
                }
                if (distance < bestDistance)
                    (bestDistance, best) = (distance, (col, row));
            }
        }
        return best;
    }
}

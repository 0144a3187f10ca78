using DragGan.Engine.Inversion;
using DragGan.Engine.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Support;

/// <summary>A small random generator (16x16, 6 ws rows of 32) with its projector, for fast inversion tests.</summary>
public sealed class SmallProjector : IDisposable
{
    public SmallProjector()
    {
        using var checkpoint = SmallCheckpoints.Create(seed: 5);
        Generator = StyleGan2Generator.Create(checkpoint);
        Projector = new LatentProjector(Generator, WStatistics.Estimate(Generator, samples: 500));
    }

    public StyleGan2Generator Generator { get; }

    public LatentProjector Projector { get; }

    /// <summary>The generator's image of seed <paramref name="seed"/> (psi 0.7), [1, 3, 16, 16].</summary>
    public Tensor Image(int seed = 1)
    {
        using var scope = NewDisposeScope();
        using var result = Generator.Synthesize(Generator.MapSeed(seed, psi: 0.7));
        return result.Image!.clone().MoveToOuterDisposeScope();
    }

    public void Dispose() => Generator.Dispose();
}

using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;

namespace DragGan.Engine.Tests.Support;

/// <summary>The StyleGAN-Human fixture's G_ema as a generator, loaded once per test class.</summary>
public sealed class HumanGenerator : IDisposable
{
    public HumanGenerator()
    {
        using var checkpoint = CheckpointLoader.Load(TestFixtures.StyleGanHumanPickle);
        Generator = GeneratorFactory.Create(checkpoint);
    }

    public ImageGenerator Generator { get; }

    public void Dispose() => Generator.Dispose();
}

/// <summary>The TF-era fixture's Gs, converted, as a generator, loaded once per test class.</summary>
public sealed class TfGenerator : IDisposable
{
    public TfGenerator()
    {
        using var checkpoint = CheckpointLoader.Load(TestFixtures.StyleGan2TfPickle);
        Generator = GeneratorFactory.Create(checkpoint);
    }

    public ImageGenerator Generator { get; }

    public void Dispose() => Generator.Dispose();
}

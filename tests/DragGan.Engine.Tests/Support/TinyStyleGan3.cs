using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using DragGan.Engine.Networks.StyleGan3;

namespace DragGan.Engine.Tests.Support;

/// <summary>The StyleGAN3-T fixture's G_ema as a generator, loaded once per test class.</summary>
public sealed class TinyStyleGan3 : IDisposable
{
    public TinyStyleGan3()
    {
        using var checkpoint = CheckpointLoader.Load(TestFixtures.TinyStyleGan3Pickle);
        Generator = (StyleGan3Generator)GeneratorFactory.Create(checkpoint);
    }

    public StyleGan3Generator Generator { get; }

    public void Dispose() => Generator.Dispose();
}

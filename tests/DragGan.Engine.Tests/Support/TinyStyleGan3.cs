using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks.StyleGan3;

namespace DragGan.Engine.Tests.Support;

/// <summary>The StyleGAN3-T fixture's G_ema as a generator, loaded once per test class.</summary>
public sealed class TinyStyleGan3 : IDisposable
{
    public TinyStyleGan3()
    {
        using var checkpoint = StyleGan3PickleReader.Read(TestFixtures.TinyStyleGan3Pickle);
        Generator = StyleGan3Generator.Create(checkpoint.Config, checkpoint.Tensors);
    }

    public StyleGan3Generator Generator { get; }

    public void Dispose() => Generator.Dispose();
}

using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;

namespace DragGan.Engine.Tests.Support;

/// <summary>The fixture checkpoint's G_ema as a generator, loaded once per test class.</summary>
public sealed class TinyGenerator : IDisposable
{
    public TinyGenerator()
    {
        using var checkpoint = StyleGanPickleReader.Read(TestFixtures.TinyStyleGan2Pickle);
        Generator = StyleGan2Generator.Create(checkpoint);
    }

    public StyleGan2Generator Generator { get; }

    public void Dispose() => Generator.Dispose();
}

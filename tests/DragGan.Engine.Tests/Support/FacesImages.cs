using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Support;

/// <summary>The built-in faces-128 generator, for tests that need realistic images.</summary>
public sealed class FacesImages : IDisposable
{
    public FacesImages()
    {
        using var checkpoint = FacesModel.CreateCheckpoint();
        Generator = StyleGan2Generator.Create(checkpoint);
    }

    public StyleGan2Generator Generator { get; }

    /// <summary>The face of <paramref name="seed"/> (psi 0.7), [1, 3, 128, 128] in [-1, 1].</summary>
    public Tensor Image(int seed)
    {
        using var scope = NewDisposeScope();
        using var result = Generator.Synthesize(Generator.MapSeed(seed, psi: 0.7));
        return result.Image!.clone().MoveToOuterDisposeScope();
    }

    public void Dispose() => Generator.Dispose();
}

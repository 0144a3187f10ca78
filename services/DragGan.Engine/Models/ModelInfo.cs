using DragGan.Engine.Networks;

namespace DragGan.Engine.Models;

/// <summary>What a client needs to know about a model before using it.</summary>
public sealed record ModelInfo(
    string Name,
    int Resolution,
    int NumWs,
    int WDim,
    int ZDim,
    string Description,
    bool IsDemo,
    double DefaultPsi,
    double DefaultLearningRate)
{
    /// <summary>The family of the model's generator.</summary>
    public GeneratorKind Kind { get; init; } = GeneratorKind.StyleGan2;

    /// <summary>Where the generator's own image lies in the square <see cref="Resolution"/> frame; the rest is padding.</summary>
    public ContentRectangle Content { get; init; } = ContentRectangle.Square(Resolution);
}

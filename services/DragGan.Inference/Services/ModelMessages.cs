using DragGan.Engine.Networks;
using DragGan.Protos.V1;
using EngineGeneratorKind = DragGan.Engine.Networks.GeneratorKind;
using GeneratorKind = DragGan.Protos.V1.GeneratorKind;

namespace DragGan.Inference.Services;

/// <summary>The engine's generator kind and content rectangle as contract messages.</summary>
internal static class ModelMessages
{
    public static GeneratorKind KindOf(EngineGeneratorKind kind) => kind switch
    {
        EngineGeneratorKind.StyleGan2 => GeneratorKind.Stylegan2,
        EngineGeneratorKind.StyleGan2Tf => GeneratorKind.Stylegan2Tf,
        EngineGeneratorKind.StyleGanHuman => GeneratorKind.StyleganHuman,
        EngineGeneratorKind.StyleGan3T => GeneratorKind.Stylegan3T,
        EngineGeneratorKind.StyleGan3R => GeneratorKind.Stylegan3R,
        _ => GeneratorKind.Unspecified,
    };

    public static ContentRect ContentOf(ContentRectangle content) => new()
    {
        X = (uint)content.X,
        Y = (uint)content.Y,
        Width = (uint)content.Width,
        Height = (uint)content.Height,
    };
}

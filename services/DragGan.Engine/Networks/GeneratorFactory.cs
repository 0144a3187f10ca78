using DragGan.Engine.Checkpoints;
using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>Builds the network a checkpoint's <see cref="GeneratorKind"/> calls for.</summary>
public static class GeneratorFactory
{
    /// <summary>The generator for <paramref name="checkpoint"/>; its tensors are copied onto <paramref name="device"/> (CPU by default).</summary>
    /// <exception cref="NotSupportedException">No network of this build computes the checkpoint's kind.</exception>
    public static ImageGenerator Create(GeneratorCheckpoint checkpoint, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return checkpoint.Config.Kind switch
        {
            GeneratorKind.StyleGan2 or GeneratorKind.StyleGan2Tf or GeneratorKind.StyleGanHuman => StyleGan2Generator.Create(checkpoint, device),
            GeneratorKind.StyleGan3T => StyleGan3.StyleGan3Generator.Create(checkpoint, device),
            var kind => throw new NotSupportedException($"{kind} generators are not supported by this build."),
        };
    }
}

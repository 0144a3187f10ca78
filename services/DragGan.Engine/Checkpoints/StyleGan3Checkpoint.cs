using DragGan.Engine.Networks.StyleGan3;
using TorchSharp;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// A StyleGAN3 generator's configuration and every tensor by its official state-dict name
/// (<c>synthesis.input.freqs</c>, <c>synthesis.L5_84_32.up_filter</c>, ...). Owns its tensors.
/// </summary>
public sealed class StyleGan3Checkpoint(StyleGan3Config config, IReadOnlyDictionary<string, torch.Tensor> tensors) : IDisposable
{
    public StyleGan3Config Config { get; } = config;

    public IReadOnlyDictionary<string, torch.Tensor> Tensors { get; } = tensors;

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
            tensor.Dispose();
    }
}

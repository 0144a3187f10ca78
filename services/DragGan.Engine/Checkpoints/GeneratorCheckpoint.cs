using DragGan.Engine.Networks;
using TorchSharp;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// A generator's configuration and every tensor by its official state-dict name
/// (<c>mapping.fc0.weight</c>, <c>synthesis.b4.const</c>, ...), as read from any checkpoint format.
/// Owns its tensors.
/// </summary>
public sealed class GeneratorCheckpoint(GeneratorConfig config, IReadOnlyDictionary<string, torch.Tensor> tensors) : IDisposable
{
    public GeneratorConfig Config { get; } = config;

    public GeneratorKind Kind => Config.Kind;

    public IReadOnlyDictionary<string, torch.Tensor> Tensors { get; } = tensors;

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
            tensor.Dispose();
    }
}

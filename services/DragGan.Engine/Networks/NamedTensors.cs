using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>
/// Hands out a checkpoint's tensors by official name, copied to the target device and kept out of
/// any dispose scope, so that network layers own their weights for their whole lifetime.
/// </summary>
internal sealed class NamedTensors(IReadOnlyDictionary<string, Tensor> tensors, Device device)
{
    public Device Device { get; } = device;

    public Tensor Take(string name)
    {
        if (!tensors.TryGetValue(name, out var source))
            throw new KeyNotFoundException($"Checkpoint has no tensor '{name}'.");
        using var scope = NewDisposeScope();
        return source.to(ScalarType.Float32, Device).detach().clone().DetachFromDisposeScope();
    }

    /// <summary>Keeps a tensor computed from weights (e.g. a gain folded in) alive beyond the current scope.</summary>
    public static Tensor Keep(Tensor tensor) => tensor.DetachFromDisposeScope();
}

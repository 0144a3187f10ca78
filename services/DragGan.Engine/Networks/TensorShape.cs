using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>
/// Shape checks at the network's layer boundaries, after the reference's <c>misc.assert_shape</c>
/// (stylegan2-ada-pytorch <c>torch_utils/misc.py</c>, called throughout <c>training/networks.py</c>):
/// each layer states what it takes, which documents the wiring and stops a wrong tensor where it
/// enters instead of deep inside a convolution. A size given as null matches any size (the batch,
/// say). The generators check their callers' input with <see cref="ArgumentException"/>s; past that,
/// a mismatch is the engine's own fault (or a checkpoint that contradicts its config), so it is an
/// <see cref="InvalidOperationException"/>.
/// </summary>
internal static class TensorShape
{
    /// <exception cref="InvalidOperationException"><paramref name="tensor"/> is not shaped <paramref name="expected"/>.</exception>
    public static void Assert(Tensor tensor, string name, params long?[] expected)
    {
        var shape = tensor.shape;
        if (Matches(shape, expected))
            return;
        var sizes = string.Join(", ", expected.Select(size => size?.ToString() ?? "*"));
        throw new InvalidOperationException($"{name} must be [{sizes}], got [{string.Join(", ", shape)}].");
    }

    private static bool Matches(long[] shape, long?[] expected)
    {
        if (shape.Length != expected.Length)
            return false;
        for (var i = 0; i < shape.Length; i++)
        {
            if (expected[i] is { } size && shape[i] != size)
                return false;
        }
        return true;
    }
}

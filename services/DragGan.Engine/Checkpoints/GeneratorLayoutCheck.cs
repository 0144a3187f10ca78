using DragGan.Engine.Networks;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Compares a pickled generator's state dict with the layout its configuration implies.
/// Every tensor of the layout must be present with its exact shape. Tensors outside the layout are
/// rejected too: no extra tensor is harmless in the known variants (conditional embeddings, the
/// 'resnet' skip convolutions, StyleGAN3 layers, other mapping widths), each means the network
/// computes something this engine would silently leave out.
/// </summary>
internal static class GeneratorLayoutCheck
{
    private const int MaxListed = 8;

    public static void Validate(string network, IReadOnlyList<TensorSpec> layout, IReadOnlyDictionary<string, PickledTensor> tensors)
    {
        var problems = new List<string>();
        foreach (var spec in layout)
        {
            if (!tensors.TryGetValue(spec.Name, out var tensor))
                problems.Add($"tensor {spec.Name} is missing (expected shape {Shape(spec.Shape)})");
            else if (!tensor.Size.SequenceEqual(spec.Shape))
                problems.Add($"tensor {spec.Name} has shape {Shape(tensor.Size)}, expected {Shape(spec.Shape)}");
        }

        var expected = layout.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!expected.Contains(name))
                problems.Add($"unexpected tensor {name} (shape {Shape(tensor.Size)})");
        }

        if (problems.Count == 0) return;
        var listed = string.Join("; ", problems.Take(MaxListed));
        var more = problems.Count > MaxListed ? $"; and {problems.Count - MaxListed} more" : "";
        throw new CheckpointFormatException($"{network} does not match the layout of its own configuration: {listed}{more}.");
    }

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";
}

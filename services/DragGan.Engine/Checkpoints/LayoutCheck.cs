using DragGan.Engine.Networks;

namespace DragGan.Engine.Checkpoints;

/// <summary>Compares named tensor shapes with <see cref="GeneratorLayout"/> for a config.</summary>
internal static class LayoutCheck
{
    /// <summary>
    /// The first difference between <paramref name="shapes"/> and the official layout of
    /// <paramref name="config"/> (a missing tensor, a wrong shape or a tensor the layout does not
    /// have), as a sentence naming the tensor; null when they match.
    /// </summary>
    public static string? FindMismatch(GeneratorConfig config, IReadOnlyDictionary<string, long[]> shapes)
    {
        var layout = GeneratorLayout.For(config);
        foreach (var spec in layout)
        {
            if (!shapes.TryGetValue(spec.Name, out var shape))
                return $"missing tensor '{spec.Name}' (expected shape {Format(spec.Shape)})";
            if (!shape.SequenceEqual(spec.Shape))
                return $"tensor '{spec.Name}' has shape {Format(shape)}, expected {Format(spec.Shape)} for this config";
        }
        var expected = layout.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var extra = shapes.Keys.Where(name => !expected.Contains(name)).Order(StringComparer.Ordinal).FirstOrDefault();
        return extra is null ? null : $"unexpected tensor '{extra}' (not part of the generator layout for this config)";
    }

    public static string Format(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
}

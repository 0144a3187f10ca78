namespace DragGan.Engine.Networks;

/// <summary>The stable names of <see cref="GeneratorKind"/>s, as native checkpoints store them and tools print them.</summary>
public static class GeneratorKindNames
{
    private static readonly (GeneratorKind Kind, string Name, string Title)[] Names =
    [
        (GeneratorKind.StyleGan2, "stylegan2", "StyleGAN2"),
        (GeneratorKind.StyleGan2Tf, "stylegan2_tf", "StyleGAN2 (TF-era pickle, converted)"),
        (GeneratorKind.StyleGanHuman, "stylegan_human", "StyleGAN-Human (rectangular, padded to square)"),
        (GeneratorKind.StyleGan3T, "stylegan3_t", "StyleGAN3-T"),
        (GeneratorKind.StyleGan3R, "stylegan3_r", "StyleGAN3-R"),
    ];

    /// <summary>The stored name: <c>stylegan2</c>, <c>stylegan2_tf</c>, <c>stylegan_human</c>, <c>stylegan3_t</c>, <c>stylegan3_r</c>.</summary>
    public static string ToName(GeneratorKind kind) =>
        Names.FirstOrDefault(n => n.Kind == kind).Name ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown generator kind.");

    /// <summary>A short description for people.</summary>
    public static string Title(GeneratorKind kind) =>
        Names.FirstOrDefault(n => n.Kind == kind).Title ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown generator kind.");

    public static bool TryParse(string? name, out GeneratorKind kind)
    {
        foreach (var entry in Names)
        {
            if (entry.Name == name)
            {
                kind = entry.Kind;
                return true;
            }
        }
        kind = default;
        return false;
    }

    public static IEnumerable<string> All => Names.Select(n => n.Name);
}

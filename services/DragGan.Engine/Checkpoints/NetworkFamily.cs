using System.Text.RegularExpressions;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Tells a StyleGAN3 generator from a StyleGAN2 one. Both are persistent classes named
/// <c>Generator</c> with similar init kwargs, so the signs are the module they come from
/// (<c>training.networks_stylegan3</c>, which alone defines <c>SynthesisInput</c>) and the tensor
/// names it registers (<c>synthesis.input.*</c>, layers named <c>synthesis.L0_36_512</c>).
/// </summary>
internal static partial class NetworkFamily
{
    private const string StyleGan3Message =
        "is a StyleGAN3 generator (training.networks_stylegan3); StyleGAN3 is not supported, only StyleGAN2-ADA / DragGAN StyleGAN2 generators.";

    public static void RejectStyleGan3(string network, PersistentObject generator)
    {
        if (IsStyleGan3(generator))
            throw new CheckpointFormatException($"{network} {StyleGan3Message}");
    }

    public static bool IsStyleGan3(PersistentObject generator) =>
        generator.ModuleName?.Contains("stylegan3", StringComparison.OrdinalIgnoreCase) == true
        || StyleGan3Source().IsMatch(generator.ModuleSource);

    public static void RejectStyleGan3(string network, IEnumerable<string> tensorNames)
    {
        if (tensorNames.Any(n => n.StartsWith("synthesis.input.", StringComparison.Ordinal) || StyleGan3Layer().IsMatch(n)))
            throw new CheckpointFormatException($"{network} has StyleGAN3 tensors (synthesis.input.*, synthesis.L<i>_<size>_<channels>.*) but its class is not from training.networks_stylegan3.");
    }

    [GeneratedRegex(@"^class SynthesisInput\b", RegexOptions.Multiline)]
    private static partial Regex StyleGan3Source();

    [GeneratedRegex(@"^synthesis\.L\d+_\d+_\d+\.")]
    private static partial Regex StyleGan3Layer();
}

using System.Collections;
using System.Text.RegularExpressions;
using DragGan.Engine.Networks;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Tells what a pickled generator is from its content, never from the file's name (the official
/// renderer picks the architecture by a substring of the path, which misroutes files kept in
/// oddly named folders). The signs: the module source that <c>torch_utils.persistence</c> embeds
/// (StyleGAN3's <c>training.networks_stylegan3</c> alone defines <c>SynthesisInput</c>;
/// StyleGAN-Human's networks take a <c>square</c> argument), the attributes the modules recorded
/// (StyleGAN-Human's <c>square</c> and <c>padding</c>), the init kwargs and the tensor names
/// (StyleGAN3's <c>synthesis.input.*</c> and <c>synthesis.L0_36_512.*</c>).
/// TF-era pickles are recognised earlier, by their pickled class <c>dnnlib.tflib.network.Network</c>.
/// </summary>
internal static partial class NetworkFamily
{
    /// <summary>The kind of a persistent-class generator; StyleGAN3-R generators are refused with a clear message.</summary>
    public static GeneratorKind Detect(string network, PersistentObject generator, IEnumerable<string> tensorNames)
    {
        var styleGan3Class = IsStyleGan3(generator);
        if (!styleGan3Class && tensorNames.Any(n => n.StartsWith("synthesis.input.", StringComparison.Ordinal) || StyleGan3Layer().IsMatch(n)))
        {
            throw new CheckpointFormatException(
                $"{network} has StyleGAN3 tensors (synthesis.input.*, synthesis.L<i>_<size>_<channels>.*) but its class is not from training.networks_stylegan3.");
        }
        if (styleGan3Class)
        {
            if (!IsRotationEquivariant(generator))
                return GeneratorKind.StyleGan3T;
            throw new CheckpointFormatException(
                $"{network} is a {GeneratorKindNames.Title(GeneratorKind.StyleGan3R)} generator (training.networks_stylegan3), which is not supported by this build; it reads StyleGAN2, TF-era StyleGAN2, StyleGAN-Human and StyleGAN3-T generators.");
        }
        if (IsStyleGanHuman(generator))
            return generator.State["square"] is true ? GeneratorKind.StyleGan2 : GeneratorKind.StyleGanHuman;
        return GeneratorKind.StyleGan2;
    }

    private static bool IsStyleGan3(PersistentObject generator) =>
        generator.ModuleName?.Contains("stylegan3", StringComparison.OrdinalIgnoreCase) == true
        || StyleGan3Source().IsMatch(generator.ModuleSource);

    /// <summary>
    /// StyleGAN-Human's generator records <c>square</c> and <c>padding</c> on itself and its source
    /// takes <c>square</c>; a square one (<c>square=True</c>) is a plain StyleGAN2 network.
    /// </summary>
    private static bool IsStyleGanHuman(PersistentObject generator) =>
        generator.State.ContainsKey("square") || HumanSource().IsMatch(generator.ModuleSource);

    /// <summary>Config R: 1x1 convolutions and radial filters (stylegan3 train.py's <c>--cfg=stylegan3-r</c>).</summary>
    private static bool IsRotationEquivariant(PersistentObject generator)
    {
        if (generator.State["_init_kwargs"] is not IDictionary kwargs)
            return false;
        var synthesis = kwargs["synthesis_kwargs"] as IDictionary ?? kwargs;
        return synthesis["use_radial_filters"] is true || (synthesis["conv_kernel"] is { } k && k is 1 or 1L);
    }

    [GeneratedRegex(@"^class SynthesisInput\b", RegexOptions.Multiline)]
    private static partial Regex StyleGan3Source();

    [GeneratedRegex(@"^\s*self\.square\s*=\s*square\b", RegexOptions.Multiline)]
    private static partial Regex HumanSource();

    [GeneratedRegex(@"^synthesis\.L\d+_\d+_\d+\.")]
    private static partial Regex StyleGan3Layer();
}

using System.Collections;
using DragGan.Engine.Networks;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Rebuilds a <see cref="GeneratorConfig"/> from the arguments the pickled generator was constructed
/// with (<c>_init_args</c> / <c>_init_kwargs</c>). The training scripts always pass every option, but
/// the defaults of <c>num_fp16_res</c> and <c>conv_clamp</c> differ between the ADA repository and the
/// StyleGAN3 repository's copy that DragGAN uses, so an option left out is taken from what the built
/// modules recorded (<c>synthesis.num_fp16_res</c> or the blocks' <c>use_fp16</c>, <c>synthesis.b4.conv1.conv_clamp</c>)
/// before any default.
/// </summary>
internal static class GeneratorKwargs
{
    // Generator.__init__'s positional parameters, in both the ADA and the StyleGAN3-repo signatures.
    private static readonly string[] Positional = ["z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "mapping_kwargs", "synthesis_kwargs"];

    // StyleGAN-Human's Generator takes square between img_resolution and img_channels.
    private static readonly string[] HumanPositional = ["z_dim", "c_dim", "w_dim", "img_resolution", "square", "img_channels", "mapping_kwargs", "synthesis_kwargs", "padding"];

    public static GeneratorConfig ToConfig(PersistentObject generator, GeneratorKind kind)
    {
        var kwargs = Arguments(generator, kind == GeneratorKind.StyleGanHuman ? HumanPositional : Positional);
        var mapping = Dict(kwargs, "mapping_kwargs");
        // ADA nests the synthesis options; the StyleGAN3 repo's StyleGAN2 generator takes them as **kwargs,
        // and DragGAN's accepts either (the flat ones when synthesis_kwargs is empty).
        var synthesis = Dict(kwargs, "synthesis_kwargs");
        if (synthesis.Count == 0)
            synthesis = kwargs;

        var architecture = synthesis["architecture"] as string ?? "skip";
        if (architecture != "skip")
            throw new CheckpointFormatException($"the generator uses the '{architecture}' synthesis architecture; only 'skip' is supported.");

        var config = new GeneratorConfig
        {
            Kind = kind,
            ZDim = Required(kwargs, "z_dim"),
            CDim = Required(kwargs, "c_dim"),
            WDim = Required(kwargs, "w_dim"),
            ImgResolution = Required(kwargs, "img_resolution"),
            ImgChannels = Required(kwargs, "img_channels"),
            MappingLayers = Optional(mapping, "num_layers") ?? Recorded(generator, "mapping", "num_layers") ?? 8,
            MappingLrMultiplier = (float)(mapping["lr_multiplier"] is { } lr ? PythonValues.ToDouble(lr, "mapping lr_multiplier") : 0.01),
            ChannelBase = Optional(synthesis, "channel_base") ?? 32768,
            ChannelMax = Optional(synthesis, "channel_max") ?? 512,
            NumFp16Res = Optional(synthesis, "num_fp16_res") ?? Recorded(generator, "synthesis", "num_fp16_res") ?? Fp16Blocks(generator) ?? 0,
            ConvClamp = ConvClamp(generator, synthesis),
        };

        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException($"unsupported generator configuration: {e.Message}");
        }
        return config;
    }

    private static Hashtable Arguments(PersistentObject generator, string[] parameters)
    {
        if (generator.State["_init_kwargs"] is not IDictionary named)
            throw new CheckpointFormatException("the generator has no _init_kwargs, so its configuration is unknown.");

        var arguments = new Hashtable();
        if (generator.State["_init_args"] is object[] positional)
        {
            if (positional.Length > parameters.Length)
                throw new CheckpointFormatException($"the generator was constructed with {positional.Length} positional arguments, expected at most {parameters.Length}.");
            for (var i = 0; i < positional.Length; i++)
                arguments[parameters[i]] = positional[i];
        }
        foreach (DictionaryEntry entry in named)
            arguments[entry.Key] = entry.Value;
        return arguments;
    }

    private static Hashtable Dict(Hashtable kwargs, string key) => kwargs[key] switch
    {
        null => new Hashtable(),
        Hashtable dict => dict,
        var other => throw new CheckpointFormatException($"generator {key} is {PythonValues.Describe(other)}, expected a dict."),
    };

    private static int Required(Hashtable kwargs, string key) =>
        kwargs.ContainsKey(key)
            ? PythonValues.ToInt32(kwargs[key], key)
            : throw new CheckpointFormatException($"the generator's init kwargs lack {key}.");

    private static int? Optional(Hashtable kwargs, string key) =>
        kwargs[key] is { } value ? PythonValues.ToInt32(value, key) : null;

    /// <summary>An int attribute the constructor stored on a submodule.</summary>
    private static int? Recorded(PersistentObject generator, string module, string attribute) =>
        ModuleState.Find(generator, module)?[attribute] is { } value ? PythonValues.ToInt32(value, $"{module}.{attribute}") : null;

    /// <summary>How many blocks were built with <c>use_fp16</c> (the ADA synthesis network does not keep num_fp16_res).</summary>
    private static int? Fp16Blocks(PersistentObject generator)
    {
        if (ModuleState.Find(generator, "synthesis")?["_modules"] is not IDictionary blocks)
            return null;
        var flags = blocks.Values.Cast<object?>().OfType<object>()
            .Select(block => ModuleState.Of(block, "synthesis block")["use_fp16"]).ToList();
        return flags.All(f => f is bool) ? flags.Count(f => f is true) : null;
    }

    /// <summary>An explicit None disables clamping; an absent option falls back to what the layers recorded.</summary>
    private static float? ConvClamp(PersistentObject generator, Hashtable synthesis)
    {
        IDictionary? source = synthesis.ContainsKey("conv_clamp") ? synthesis : ModuleState.Find(generator, "synthesis.b4.conv1");
        return source?["conv_clamp"] is { } clamp ? (float)PythonValues.ToDouble(clamp, "conv_clamp") : null;
    }
}

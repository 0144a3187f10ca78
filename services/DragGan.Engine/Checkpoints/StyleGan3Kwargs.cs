using System.Collections;
using DragGan.Engine.Networks.StyleGan3;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Rebuilds a <see cref="StyleGan3Config"/> from the arguments a pickled
/// <c>training.networks_stylegan3.Generator</c> was constructed with (<c>_init_args</c> /
/// <c>_init_kwargs</c>). The synthesis network's and layers' options arrive flat; an option left out
/// takes the reference's default. An option this engine does not know is refused rather than
/// ignored: it could change what the network computes.
/// </summary>
internal static class StyleGan3Kwargs
{
    private static readonly string[] Positional = ["z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "mapping_kwargs"];

    private static readonly HashSet<string> Known =
    [
        .. Positional,
        "channel_base", "channel_max", "num_layers", "num_critical", "first_cutoff", "first_stopband",
        "last_stopband_rel", "margin_size", "output_scale", "num_fp16_res", "conv_kernel", "filter_size",
        "lrelu_upsampling", "use_radial_filters", "conv_clamp", "magnitude_ema_beta",
        "resize", // DragGAN's copy of the class: an output resize, None in every training snapshot.
    ];

    private static readonly HashSet<string> KnownMapping = ["num_layers", "lr_multiplier", "w_avg_beta"];

    public static StyleGan3Config ToConfig(PersistentObject generator)
    {
        var kwargs = Arguments(generator);
        var unknown = kwargs.Keys.Cast<object>().Select(k => k.ToString() ?? "").Where(k => !Known.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            throw new CheckpointFormatException($"the StyleGAN3 generator has init kwargs this engine does not know: {string.Join(", ", unknown)}.");
        if (kwargs["resize"] is { } resize)
            throw new CheckpointFormatException($"the StyleGAN3 generator resizes its output (resize = {PythonValues.Describe(resize)}); only resize = None is supported.");

        var mapping = kwargs["mapping_kwargs"] switch
        {
            null => new Hashtable(),
            Hashtable dict => dict,
            var other => throw new CheckpointFormatException($"generator mapping_kwargs is {PythonValues.Describe(other)}, expected a dict."),
        };
        var unknownMapping = mapping.Keys.Cast<object>().Select(k => k.ToString() ?? "").Where(k => !KnownMapping.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknownMapping.Count > 0)
            throw new CheckpointFormatException($"the StyleGAN3 generator has mapping kwargs this engine does not know: {string.Join(", ", unknownMapping)}.");

        var defaults = new StyleGan3Config { ImgResolution = 4 };
        var config = new StyleGan3Config
        {
            ZDim = Required(kwargs, "z_dim"),
            CDim = Required(kwargs, "c_dim"),
            WDim = Required(kwargs, "w_dim"),
            ImgResolution = Required(kwargs, "img_resolution"),
            ImgChannels = Required(kwargs, "img_channels"),
            MappingLayers = Int(mapping, "num_layers") ?? defaults.MappingLayers,
            MappingLrMultiplier = (float)(Double(mapping, "lr_multiplier") ?? defaults.MappingLrMultiplier),
            ChannelBase = Int(kwargs, "channel_base") ?? defaults.ChannelBase,
            ChannelMax = Int(kwargs, "channel_max") ?? defaults.ChannelMax,
            NumLayers = Int(kwargs, "num_layers") ?? defaults.NumLayers,
            NumCritical = Int(kwargs, "num_critical") ?? defaults.NumCritical,
            FirstCutoff = Double(kwargs, "first_cutoff") ?? defaults.FirstCutoff,
            FirstStopband = Double(kwargs, "first_stopband") ?? defaults.FirstStopband,
            LastStopbandRel = Double(kwargs, "last_stopband_rel") ?? defaults.LastStopbandRel,
            MarginSize = Int(kwargs, "margin_size") ?? defaults.MarginSize,
            OutputScale = Double(kwargs, "output_scale") ?? defaults.OutputScale,
            NumFp16Res = Int(kwargs, "num_fp16_res") ?? defaults.NumFp16Res,
            ConvKernel = Int(kwargs, "conv_kernel") ?? defaults.ConvKernel,
            FilterSize = Int(kwargs, "filter_size") ?? defaults.FilterSize,
            LreluUpsampling = Int(kwargs, "lrelu_upsampling") ?? defaults.LreluUpsampling,
            UseRadialFilters = kwargs["use_radial_filters"] is { } radial && PythonValues.ToInt64(radial, "use_radial_filters") != 0,
            ConvClamp = kwargs.ContainsKey("conv_clamp")
                ? kwargs["conv_clamp"] is { } clamp ? (float)PythonValues.ToDouble(clamp, "conv_clamp") : null
                : defaults.ConvClamp,
            MagnitudeEmaBeta = Double(kwargs, "magnitude_ema_beta") ?? defaults.MagnitudeEmaBeta,
        };

        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException($"unsupported StyleGAN3 generator configuration: {e.Message}");
        }
        return config;
    }

    private static Hashtable Arguments(PersistentObject generator)
    {
        if (generator.State["_init_kwargs"] is not IDictionary named)
            throw new CheckpointFormatException("the generator has no _init_kwargs, so its configuration is unknown.");

        var arguments = new Hashtable();
        if (generator.State["_init_args"] is object[] positional)
        {
            if (positional.Length > Positional.Length)
                throw new CheckpointFormatException($"the generator was constructed with {positional.Length} positional arguments, expected at most {Positional.Length}.");
            for (var i = 0; i < positional.Length; i++)
                arguments[Positional[i]] = positional[i];
        }
        foreach (DictionaryEntry entry in named)
            arguments[entry.Key] = entry.Value;
        return arguments;
    }

    private static int Required(Hashtable kwargs, string key) =>
        kwargs.ContainsKey(key)
            ? PythonValues.ToInt32(kwargs[key], key)
            : throw new CheckpointFormatException($"the generator's init kwargs lack {key}.");

    private static int? Int(Hashtable kwargs, string key) =>
        kwargs[key] is { } value ? PythonValues.ToInt32(value, key) : null;

    private static double? Double(Hashtable kwargs, string key) =>
        kwargs[key] is { } value ? PythonValues.ToDouble(value, key) : null;
}

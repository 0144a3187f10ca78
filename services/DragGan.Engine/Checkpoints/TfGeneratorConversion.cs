using System.Collections;
using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Converts a TF-era StyleGAN2 generator (<see cref="TfNetwork"/>, configs E/F) to the StyleGAN2
/// network exactly as the official converter does (stylegan2-ada-pytorch / DragGAN
/// <c>legacy.py</c>, <c>convert_tf_generator</c>): the same kwargs with the same defaults, the same
/// refusal of unknown kwargs, and per tensor the same source variable and transform (dense weights
/// transposed, conv weights [kh, kw, in, out] -> [out, in, kh, kw] with the upsampling conv's kernel
/// flipped, style biases + 1, noise inputs by index). Variables nothing asks for (<c>lod</c>) are
/// ignored, as there.
/// </summary>
internal static class TfGeneratorConversion
{
    private static readonly HashSet<string> IgnoredKwargs = new(StringComparer.Ordinal)
    {
        // Read by legacy.py only to be dropped (w_avg_beta drives training alone).
        "w_avg_beta", "truncation_psi", "truncation_cutoff", "style_mixing_prob", "structure", "conditioning", "fused_modconv",
    };

    private static readonly HashSet<string> KnownKwargs = new(StringComparer.Ordinal)
    {
        "latent_size", "label_size", "dlatent_size", "resolution", "num_channels", "fmap_base", "fmap_max",
        "num_fp16_res", "conv_clamp", "architecture", "resample_kernel", "use_noise", "nonlinearity",
        "mapping_layers", "label_fmaps", "mapping_fmaps", "mapping_nonlinearity", "mapping_lrmul",
    };

    public static GeneratorCheckpoint Convert(TfNetwork network, string what)
    {
        if (network.Version < 4)
            throw new CheckpointFormatException($"{what} is a TensorFlow network pickle of version {network.Version}; version 4 or later is needed (as the official converter requires).");
        var config = ToConfig(network.StaticKwargs, what);
        var variables = network.CollectVariables();
        var progressive = variables.Keys.FirstOrDefault(name => name.Contains("ToRGB_lod", StringComparison.Ordinal));
        if (progressive is not null)
            throw new CheckpointFormatException(
                $"{what} is a progressive-growing TF StyleGAN2 network (configs A-D; it has {progressive}); only configs E and F convert, as with the official converter.");

        var layout = GeneratorLayout.For(config);
        var tensors = new Dictionary<string, Tensor>(layout.Count, StringComparer.Ordinal);
        try
        {
            foreach (var spec in layout)
            {
                var tensor = ConvertTensor(spec.Name, variables, what);
                if (!tensor.shape.SequenceEqual(spec.Shape))
                {
                    var shape = LayoutCheck.Format(tensor.shape);
                    tensor.Dispose();
                    throw new CheckpointFormatException($"{what}: {spec.Name} converts to shape {shape}, expected {LayoutCheck.Format(spec.Shape)} for its static_kwargs.");
                }
                tensors.Add(spec.Name, tensor);
            }
            return new GeneratorCheckpoint(config, tensors);
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
    }

    /// <summary>legacy.py's kwargs conversion, defaults included, for the subset this engine computes.</summary>
    internal static GeneratorConfig ToConfig(Hashtable kwargs, string what)
    {
        foreach (var key in kwargs.Keys)
        {
            if (key is not string name || (!KnownKwargs.Contains(name) && !IgnoredKwargs.Contains(name)))
                throw new CheckpointFormatException($"{what} has the unknown TensorFlow kwarg {PythonValues.Describe(key)} (the official converter refuses it too).");
        }

        Require(kwargs, "architecture", "skip", what);
        Require(kwargs, "nonlinearity", "lrelu", what);
        Require(kwargs, "mapping_nonlinearity", "lrelu", what);
        if (kwargs["use_noise"] is { } useNoise && useNoise is not true)
            throw new CheckpointFormatException($"{what} has use_noise {PythonValues.Describe(useNoise)}; only generators with noise inputs are supported.");
        if (kwargs["resample_kernel"] is { } kernel && !PythonValues.ToInt64Array(kernel, "resample_kernel").SequenceEqual([1L, 3, 3, 1]))
            throw new CheckpointFormatException($"{what} has resample_kernel {PythonValues.Describe(kernel)}; only [1, 3, 3, 1] is supported.");
        if (kwargs["label_fmaps"] is not null)
            throw new CheckpointFormatException($"{what} has label_fmaps set: conditional generators are not supported.");

        var wDim = Int(kwargs, "dlatent_size", 512, what);
        if (kwargs["mapping_fmaps"] is { } fmaps && PythonValues.ToInt32(fmaps, "mapping_fmaps") != wDim)
            throw new CheckpointFormatException($"{what} has mapping_fmaps {PythonValues.Describe(fmaps)}; only mapping layers as wide as dlatent_size ({wDim}) are supported.");

        var fmapBase = Int(kwargs, "fmap_base", 16384, what);
        var config = new GeneratorConfig
        {
            Kind = GeneratorKind.StyleGan2Tf,
            ZDim = Int(kwargs, "latent_size", 512, what),
            CDim = Int(kwargs, "label_size", 0, what),
            WDim = wDim,
            ImgResolution = Int(kwargs, "resolution", 1024, what),
            ImgChannels = Int(kwargs, "num_channels", 3, what),
            ChannelBase = fmapBase is > 0 and <= GeneratorConfig.MaxChannelBase / 2 ? fmapBase * 2
                : throw new CheckpointFormatException($"{what} has fmap_base {fmapBase}, out of range 1..{GeneratorConfig.MaxChannelBase / 2}."),
            ChannelMax = Int(kwargs, "fmap_max", 512, what),
            NumFp16Res = Int(kwargs, "num_fp16_res", 0, what),
            ConvClamp = kwargs["conv_clamp"] is { } clamp ? (float)PythonValues.ToDouble(clamp, "conv_clamp") : null,
            MappingLayers = Int(kwargs, "mapping_layers", 8, what),
            MappingLrMultiplier = kwargs["mapping_lrmul"] is { } lr ? (float)PythonValues.ToDouble(lr, "mapping_lrmul") : 0.01f,
        };
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException($"{what} has an unsupported configuration: {e.Message}");
        }
        return config;
    }

    private static int Int(Hashtable kwargs, string key, int fallback, string what) =>
        kwargs.ContainsKey(key)
            ? PythonValues.ToInt32(kwargs[key] ?? throw new CheckpointFormatException($"{what} has {key} None, expected an integer."), $"{what} {key}")
            : fallback;

    private static void Require(Hashtable kwargs, string key, string expected, string what)
    {
        if (kwargs[key] is { } value && value as string != expected)
            throw new CheckpointFormatException($"{what} has {key} {PythonValues.Describe(value)}; only '{expected}' is supported.");
    }

    /// <summary>One tensor of the StyleGAN2 layout from its TF variable, transformed as convert_tf_generator does.</summary>
    private static Tensor ConvertTensor(string name, Dictionary<string, object> variables, string what)
    {
        if (name.EndsWith(".resample_filter", StringComparison.Ordinal))
            return RandomCheckpoint.ResampleFilter();   // not stored in TF pickles: the fixed [1, 3, 3, 1] filter
        if (name == "mapping.w_avg")
            return Variable(variables, "dlatent_avg", what);

        var parts = name.Split('.');
        if (parts[0] == "mapping")
        {
            // mapping.fc{i}.weight / .bias <- mapping/Dense{i}/weight .T / bias
            var dense = $"mapping/Dense{parts[1][2..]}";
            return parts[2] == "weight" ? Transposed(Variable(variables, $"{dense}/weight", what)) : Variable(variables, $"{dense}/bias", what);
        }

        // synthesis.b{r}.{layer}.{parameter...}
        var res = int.Parse(parts[1][1..], System.Globalization.CultureInfo.InvariantCulture);
        var scope = $"synthesis/{res}x{res}";
        if (parts[2] == "const")
            return Indexed(Variable(variables, $"{scope}/Const/const", what), 0);

        var (tfLayer, noiseIndex) = (parts[2], res) switch
        {
            ("conv1", 4) => ("Conv", 0),
            ("conv0", _) => ("Conv0_up", 2 * Log2(res) - 5),
            ("conv1", _) => ("Conv1", 2 * Log2(res) - 4),
            ("torgb", _) => ("ToRGB", -1),
            _ => throw new CheckpointFormatException($"{what}: no TF variable is known for {name}."),
        };
        var layer = $"{scope}/{tfLayer}";
        var parameter = string.Join('.', parts[3..]);
        return parameter switch
        {
            "weight" => ConvWeight(Variable(variables, $"{layer}/weight", what), flip: tfLayer == "Conv0_up"),
            "bias" => Variable(variables, $"{layer}/bias", what),
            "noise_strength" => Variable(variables, $"{layer}/noise_strength", what),
            "noise_const" => Indexed(Indexed(Variable(variables, $"synthesis/noise{noiseIndex}", what), 0), 0),
            "affine.weight" => Transposed(Variable(variables, $"{layer}/mod_weight", what)),
            "affine.bias" => PlusOne(Variable(variables, $"{layer}/mod_bias", what)),
            _ => throw new CheckpointFormatException($"{what}: no TF variable is known for {name}."),
        };
    }

    private static int Log2(int resolution) => System.Numerics.BitOperations.Log2((uint)resolution);

    private static Tensor Variable(Dictionary<string, object> variables, string name, string what) => variables.TryGetValue(name, out var value)
        ? value switch
        {
            NumpyArray array => array.ToTensor(),
            NumpyScalar scalar when scalar.Dtype.Code == "f4" && scalar.AsDouble() is { } d => tensor((float)d),
            _ => throw new CheckpointFormatException($"{what} variable {name} is {PythonValues.Describe(value)}, expected float32."),
        }
        : throw new CheckpointFormatException($"{what} has no variable {name}, which the StyleGAN2 network needs.");

    private static Tensor Transposed(Tensor x) => Replace(x, x.dim() == 2 ? x.t().contiguous() : null, "a matrix");

    private static Tensor PlusOne(Tensor x)
    {
        using (x)
            return x.add(1f);
    }

    private static Tensor Indexed(Tensor x, long index) => Replace(x, x.dim() >= 1 && x.shape[0] > index ? x[index].contiguous() : null, "an array with a leading axis");

    /// <summary>[kh, kw, in, out] -> [out, in, kh, kw] (<c>transpose(3, 2, 0, 1)</c>), the kernel flipped first for Conv0_up (<c>[::-1, ::-1]</c>).</summary>
    private static Tensor ConvWeight(Tensor x, bool flip)
    {
        if (x.dim() != 4)
            return Replace(x, null, "a 4-d convolution kernel");
        using var scope = NewDisposeScope();
        var source = flip ? x.flip(0, 1) : x;
        var converted = source.permute(3, 2, 0, 1).contiguous().MoveToOuterDisposeScope();
        x.Dispose();
        return converted;
    }

    private static Tensor Replace(Tensor x, Tensor? converted, string expected)
    {
        if (converted is null)
        {
            var shape = LayoutCheck.Format(x.shape);
            x.Dispose();
            throw new CheckpointFormatException($"a TF variable of shape {shape} is not {expected}.");
        }
        x.Dispose();
        return converted;
    }
}

using System.Runtime.InteropServices;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;

namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>One tensor of a generator to pickle, by official name.</summary>
internal sealed record NamedArray(string Name, long[] Shape, float[] Values, bool IsBuffer);

/// <summary>How the tensors' storages are written.</summary>
internal enum StorageForm { Legacy, Zip }

/// <summary>
/// Builds network pickles in the <c>torch_utils.persistence</c> format from a config and tensors, the
/// way <c>pickle.dump({'G_ema': G_ema, ...})</c> writes them, with knobs for the variants (and the
/// broken files) the reader must handle.
/// </summary>
internal sealed record NetworkPickleBuilder
{
    public const string StyleGan2Source = "# training/networks.py (test stand-in)\nclass SynthesisNetwork(torch.nn.Module):\n    pass\n";
    public const string StyleGan3Source = "# training/networks_stylegan3.py (test stand-in)\nclass SynthesisInput(torch.nn.Module):\n    pass\n";

    public required GeneratorConfig Config { get; init; }

    public required IReadOnlyList<NamedArray> Tensors { get; init; }

    public string ClassName { get; init; } = "Generator";

    public string ModuleSource { get; init; } = StyleGan2Source;

    /// <summary>Written into the persistence meta when set (the official writer has no such key).</summary>
    public string? ModuleName { get; init; }

    /// <summary>Dict key of the generator; null pickles the generator alone.</summary>
    public string? Key { get; init; } = "G_ema";

    public StorageForm Storage { get; init; } = StorageForm.Legacy;

    /// <summary><c>FloatStorage</c>, <c>HalfStorage</c>, <c>BFloat16Storage</c> or <c>DoubleStorage</c>.</summary>
    public string StorageType { get; init; } = "FloatStorage";

    /// <summary>Store each tensor transposed and at an offset inside a larger storage (a non-contiguous view).</summary>
    public bool StridedViews { get; init; }

    /// <summary>
    /// Every tensor a view with all strides 0 into a one-element storage: its shape says anything
    /// while the file holds four bytes per tensor (crafted files; values are ignored).
    /// </summary>
    public bool ZeroStrideViews { get; init; }

    /// <summary>Kwargs as <c>dnnlib.util.EasyDict</c>, as the official training loop passes them.</summary>
    public bool EasyDictKwargs { get; init; }

    /// <summary>Synthesis kwargs flattened into the generator's kwargs (the StyleGAN3 repo's StyleGAN2 signature).</summary>
    public bool FlatSynthesisKwargs { get; init; }

    /// <summary>Pickle submodules as plain classes (NEWOBJ + BUILD) instead of persistent objects.</summary>
    public bool PlainSubmodules { get; init; }

    /// <summary>Whether the synthesis network keeps <c>num_fp16_res</c> (DragGAN's does, ADA's only flags each block's <c>use_fp16</c>).</summary>
    public bool RecordsNumFp16Res { get; init; } = true;

    /// <summary>Replaces the init kwargs entirely (null: none recorded).</summary>
    public Func<Dictionary<string, object?>, Dictionary<string, object?>?>? EditKwargs { get; init; }

    public byte[] Build()
    {
        var generator = Module("", Generator(), isRoot: true);
        if (Key is null)
            return PickleEmitter.Dump(generator);
        return PickleEmitter.Dump(new Dictionary<string, object?>
        {
            [Key] = generator,
            ["augment_pipe"] = null,
            ["training_set_kwargs"] = null,
        });
    }

    public string WriteTo(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        File.WriteAllBytes(path, Build());
        return path;
    }

    /// <summary>The fixture checkpoint's tensors (or any checkpoint's), flagged as buffers by the layout.</summary>
    public static IReadOnlyList<NamedArray> ArraysOf(GeneratorCheckpoint checkpoint)
    {
        var buffers = GeneratorLayout.For(checkpoint.Config).Where(s => s.IsBuffer).Select(s => s.Name).ToHashSet();
        return checkpoint.Tensors.Select(t => new NamedArray(
            t.Key, t.Value.shape, t.Value.contiguous().data<float>().ToArray(), buffers.Contains(t.Key))).ToList();
    }

    /// <summary>Deterministic pseudo-random tensors for every tensor of <paramref name="config"/>'s layout.</summary>
    public static IReadOnlyList<NamedArray> RandomArrays(GeneratorConfig config, int seed = 1)
    {
        var random = new System.Random(seed);
        return GeneratorLayout.For(config).Select(s => new NamedArray(
            s.Name, s.Shape,
            Enumerable.Range(0, (int)s.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray(),
            s.IsBuffer)).ToList();
    }

    /// <summary>The small config the synthetic pickles use (8x8 output, 16-wide latents).</summary>
    public static GeneratorConfig TinyConfig { get; } = new()
    {
        ZDim = 16, WDim = 16, ImgResolution = 8, MappingLayers = 2,
        ChannelBase = 64, ChannelMax = 16, NumFp16Res = 1, ConvClamp = 256,
    };

    private Dictionary<string, object?>? Generator()
    {
        var mapping = new Dictionary<string, object?> { ["num_layers"] = Config.MappingLayers };
        var synthesis = new Dictionary<string, object?>
        {
            ["channel_base"] = Config.ChannelBase,
            ["channel_max"] = Config.ChannelMax,
            ["num_fp16_res"] = Config.NumFp16Res,
            ["conv_clamp"] = Config.ConvClamp is { } clamp ? (int)clamp : null,
        };
        var kwargs = new Dictionary<string, object?>
        {
            ["z_dim"] = Config.ZDim,
            ["c_dim"] = Config.CDim,
            ["w_dim"] = Config.WDim,
            ["img_resolution"] = Config.ImgResolution,
            ["img_channels"] = Config.ImgChannels,
            ["mapping_kwargs"] = mapping,
        };
        if (FlatSynthesisKwargs)
            foreach (var (key, value) in synthesis) kwargs[key] = value;
        else
            kwargs["synthesis_kwargs"] = synthesis;
        return EditKwargs is null ? kwargs : EditKwargs(kwargs);
    }

    /// <summary>One module and, recursively, its children, from the dotted names under <paramref name="prefix"/>.</summary>
    private object Module(string prefix, Dictionary<string, object?>? kwargs, bool isRoot)
    {
        var parameters = new List<KeyValuePair<string, object?>>();
        var buffers = new List<KeyValuePair<string, object?>>();
        var children = new List<KeyValuePair<string, object?>>();
        foreach (var tensor in Tensors.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var rest = tensor.Name[prefix.Length..];
            var dot = rest.IndexOf('.');
            if (dot < 0)
            {
                var rebuilt = Tensor(tensor);
                if (tensor.IsBuffer) buffers.Add(new(rest, rebuilt));
                else parameters.Add(new(rest, new PyCall("torch._utils", "_rebuild_parameter", rebuilt, true, OrderedDict([]))));
            }
            else if (children.All(c => c.Key != rest[..dot]))
            {
                children.Add(new(rest[..dot], Module(prefix + rest[..dot] + ".", kwargs: new(), isRoot: false)));
            }
        }

        var state = new Dictionary<string, object?>
        {
            ["training"] = false,
            ["_parameters"] = OrderedDict(parameters),
            ["_buffers"] = OrderedDict(buffers),
            ["_non_persistent_buffers_set"] = new HashSet<string>(),
            ["_backward_hooks"] = OrderedDict([]),
            ["_forward_hooks"] = OrderedDict([]),
            ["_modules"] = OrderedDict(children),
        };
        foreach (var (attribute, value) in Attributes(prefix.TrimEnd('.')))
            state[attribute] = value;
        if (!isRoot && PlainSubmodules)
            return new PyInstance("torch.nn.modules.module", "Module", state);

        if (kwargs is not null)
        {
            state["_init_args"] = Array.Empty<object?>();
            state["_init_kwargs"] = EasyDictKwargs ? EasyDict(kwargs) : kwargs;
        }
        var meta = new Dictionary<string, object?>
        {
            ["type"] = "class",
            ["version"] = 6,
            ["module_src"] = ModuleSource,
            ["class_name"] = isRoot ? ClassName : "Module",
            ["state"] = state,
        };
        if (ModuleName is not null) meta["module_name"] = ModuleName;
        return new PyCall("torch_utils.persistence", "_reconstruct_persistent_obj", meta);
    }

    /// <summary>The attributes official modules keep that the reader may fall back on.</summary>
    private IEnumerable<(string, object?)> Attributes(string path)
    {
        var parts = path.Split('.');
        if (path == "mapping") yield return ("num_layers", Config.MappingLayers);
        if (path == "synthesis" && RecordsNumFp16Res) yield return ("num_fp16_res", Config.NumFp16Res);
        if (parts is ["synthesis", var block] && int.TryParse(block[1..], out var res))
            yield return ("use_fp16", res >= Config.Fp16Resolution);
        if (parts is ["synthesis", _, "conv0" or "conv1" or "torgb"])
            yield return ("conv_clamp", Config.ConvClamp is { } clamp ? (int)clamp : null);
    }

    private PyCall Tensor(NamedArray tensor)
    {
        if (ZeroStrideViews)
        {
            return new PyCall("torch._utils", "_rebuild_tensor_v2",
                new PyCall("torch.storage", "_load_from_bytes", TorchStorageWriter.Legacy(StorageType, 1, Encode([0f]))),
                0L,
                tensor.Shape.Select(s => (object?)s).ToArray(),
                tensor.Shape.Select(_ => (object?)0L).ToArray(),
                false,
                OrderedDict([]));
        }
        var shape = tensor.Shape;
        var rank = shape.Length;
        var numel = tensor.Values.Length;
        long offset = 0;
        var stride = new long[rank];
        var ordered = tensor.Values;
        if (StridedViews && rank >= 2)
        {
            // Store with the last two dims swapped, so the view's strides are not C order.
            ordered = SwapLastTwoDims(tensor.Values, shape);
            stride[rank - 1] = shape[rank - 2];
            stride[rank - 2] = 1;
            var step = shape[rank - 1] * shape[rank - 2];
            for (var d = rank - 3; d >= 0; d--) { stride[d] = step; step *= shape[d]; }
        }
        else
        {
            var step = 1L;
            for (var d = rank - 1; d >= 0; d--) { stride[d] = step; step *= shape[d]; }
        }

        var padding = StridedViews ? 3 : 0;
        var storage = new float[padding + numel + padding];
        Array.Fill(storage, float.NaN);
        ordered.CopyTo(storage, padding);
        offset = padding;

        var data = Encode(storage);
        var bytes = Storage == StorageForm.Zip
            ? TorchStorageWriter.Zip(StorageType, storage.Length, data)
            : TorchStorageWriter.Legacy(StorageType, storage.Length, data);
        return new PyCall("torch._utils", "_rebuild_tensor_v2",
            new PyCall("torch.storage", "_load_from_bytes", bytes),
            offset,
            shape.Select(s => (object?)s).ToArray(),
            stride.Select(s => (object?)s).ToArray(),
            false,
            OrderedDict([]));
    }

    /// <summary>What a float reads back as after a round trip through <see cref="StorageType"/>.</summary>
    public float Stored(float value) => StorageType switch
    {
        "HalfStorage" => (float)(Half)value,
        "BFloat16Storage" => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(value) & unchecked((int)0xFFFF0000)),
        _ => value,
    };

    private byte[] Encode(float[] values) => StorageType switch
    {
        "FloatStorage" => MemoryMarshal.AsBytes(values.AsSpan()).ToArray(),
        "DoubleStorage" => MemoryMarshal.AsBytes(values.Select(v => (double)v).ToArray().AsSpan()).ToArray(),
        "HalfStorage" => MemoryMarshal.AsBytes(values.Select(v => (Half)v).ToArray().AsSpan()).ToArray(),
        "BFloat16Storage" => MemoryMarshal.AsBytes(values.Select(v => (ushort)(BitConverter.SingleToInt32Bits(v) >>> 16)).ToArray().AsSpan()).ToArray(),
        _ => throw new ArgumentException(StorageType),
    };

    private static float[] SwapLastTwoDims(float[] values, long[] shape)
    {
        var rows = (int)shape[^2];
        var cols = (int)shape[^1];
        var swapped = new float[values.Length];
        for (var block = 0; block < values.Length; block += rows * cols)
            for (var r = 0; r < rows; r++)
                for (var c = 0; c < cols; c++)
                    swapped[block + c * rows + r] = values[block + r * cols + c];
        return swapped;
    }

    private static PyDictOf OrderedDict(IEnumerable<KeyValuePair<string, object?>> items) => new("collections", "OrderedDict", items);

    private static object EasyDict(Dictionary<string, object?> dict) => new PyDictOf("dnnlib.util", "EasyDict",
        dict.Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value is Dictionary<string, object?> inner ? EasyDict(inner) : kv.Value)));
}

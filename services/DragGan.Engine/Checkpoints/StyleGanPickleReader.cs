using System.Collections;
using DragGan.Engine.Networks;
using Razorvine.Pickle.Objects;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Reads the generator from an official network pickle (<c>.pkl</c>) without Python: the dict
/// <c>{G, D, G_ema, ...}</c> written by the StyleGAN2-ADA / DragGAN / StyleGAN-Human training loops,
/// a pickle of the generator alone, or a TF-era StyleGAN2 pickle (the tuple <c>(G, D, Gs)</c>).
/// Takes <c>G_ema</c> (<c>Gs</c>), the moving average used for inference (<c>G</c> is the raw
/// training copy), tells its <see cref="GeneratorKind"/> from the content (<see cref="NetworkFamily"/>),
/// checks it against <see cref="GeneratorLayout"/> and returns float32 tensors under their official
/// names; a TF network is converted as the official converter does (<see cref="TfGeneratorConversion"/>).
/// </summary>
public static class StyleGanPickleReader
{
    private const string InferenceNetwork = "G_ema";

    /// <exception cref="CheckpointFormatException">The file is not a usable StyleGAN2 network pickle.</exception>
    public static GeneratorCheckpoint Read(string path) => ReadNetwork(path, InferenceNetwork);

    /// <param name="stream">The pickle, read to its end.</param>
    /// <param name="name">How to name the checkpoint in error messages.</param>
    /// <exception cref="CheckpointFormatException">The stream is not a usable StyleGAN2 network pickle.</exception>
    public static GeneratorCheckpoint Read(Stream stream, string name = "stream") =>
        Read(ReadAll(stream), name, InferenceNetwork);

    /// <summary>Reads another network of the pickle's dict (e.g. <c>G</c>), for tests and tools.</summary>
    internal static GeneratorCheckpoint ReadNetwork(string path, string network)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException($"Cannot read checkpoint '{path}': {e.Message}", e);
        }
        return Read(data, path, network);
    }

    internal static GeneratorCheckpoint Read(byte[] data, string name, string network)
    {
        try
        {
            var root = NetworkPickle.Load(data);
            if (TfNetworks(root) is { } tf)
                return TfGeneratorConversion.Convert(SelectTfNetwork(tf, network), TfName(network));

            var generator = SelectNetwork(root, network);
            var pickled = ModuleTensors.Collect(generator);
            var kind = NetworkFamily.Detect(network, generator, pickled.Keys);
            if (kind == GeneratorKind.StyleGan3T)
                return StyleGan3PickleReader.Read(generator, network);
            var config = GeneratorKwargs.ToConfig(generator, kind);
            var layout = GeneratorLayout.For(config);
            GeneratorLayoutCheck.Validate(network, layout, pickled);

            return new GeneratorCheckpoint(config, Materialize(layout, pickled));
        }
        catch (CheckpointFormatException e)
        {
            throw new CheckpointFormatException($"Cannot read checkpoint '{name}': {e.Message}", e.InnerException);
        }
    }

    /// <summary>The (G, D, Gs) tuple of a TF-era pickle, as legacy.py recognises it; null for any other pickle.</summary>
    private static object[]? TfNetworks(object? root)
    {
        if (root is not object[] tuple || !tuple.Any(TfNetwork.Is))
            return null;
        if (tuple.Length != 3 || !tuple.All(TfNetwork.Is))
            throw new CheckpointFormatException(
                $"it holds a tuple of {tuple.Length} items with TF networks; a TF-era StyleGAN2 pickle is the tuple (G, D, Gs) of three {TfNetwork.ClassName} objects.");
        return tuple;
    }

    private static TfNetwork SelectTfNetwork(object[] tuple, string network) => network switch
    {
        InferenceNetwork => TfNetwork.From(tuple[2], "Gs"),
        "G" => TfNetwork.From(tuple[0], "G"),
        _ => throw new CheckpointFormatException($"a TF-era pickle holds G, D and Gs; there is no generator '{network}'."),
    };

    private static string TfName(string network) => network == InferenceNetwork ? "Gs (TF)" : $"{network} (TF)";

    internal static PersistentObject SelectNetwork(object? root, string network)
    {
        object? candidate;
        switch (root)
        {
            case Hashtable dict when dict.ContainsKey(network):
                candidate = dict[network];
                break;
            case Hashtable dict:
                var keys = string.Join(", ", dict.Keys.Cast<object>().Select(k => k.ToString()).Order(StringComparer.Ordinal));
                throw new CheckpointFormatException($"the pickled dict has no '{network}' entry (keys: {keys}).");
            case PersistentObject single when network == InferenceNetwork:
                // A pickle of the generator alone, as some exporters write it.
                candidate = single;
                break;
            default:
                throw new CheckpointFormatException($"it holds {PythonValues.Describe(root)}, not a network dict or a generator.");
        }

        return candidate switch
        {
            PersistentObject { ClassName: "Generator" } generator => generator,
            PersistentObject other => throw new CheckpointFormatException($"{network} is a {other.ClassName}, expected a Generator."),
            ClassDict plain => throw new CheckpointFormatException(
                $"{network} is a plain {plain.ClassName} object, not a torch_utils.persistence network (its configuration is not recorded)."),
            _ => throw new CheckpointFormatException($"{network} is {PythonValues.Describe(candidate)}, expected a Generator."),
        };
    }

    /// <summary>Converts the layout's tensors (only those) to float32, in layout order.</summary>
    private static Dictionary<string, torch.Tensor> Materialize(IReadOnlyList<TensorSpec> layout, Dictionary<string, PickledTensor> pickled)
    {
        var tensors = new Dictionary<string, torch.Tensor>(layout.Count, StringComparer.Ordinal);
        try
        {
            foreach (var spec in layout)
                tensors.Add(spec.Name, pickled[spec.Name].ToFloat32());
            return tensors;
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
    }

    internal static byte[] ReadAll(Stream stream)
    {
        if (stream.CanSeek)
        {
            var remaining = stream.Length - stream.Position;
            var data = new byte[remaining];
            stream.ReadExactly(data);
            return data;
        }
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

using DragGan.Engine.Networks;
using DragGan.Engine.Networks.StyleGan3;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Reads a StyleGAN3 generator from an official network pickle (the training loop's
/// <c>{G, D, G_ema, augment_pipe, training_set_kwargs}</c> dict, or the generator alone): takes
/// <c>G_ema</c>, rebuilds the config from its init kwargs and checks every tensor against
/// <see cref="StyleGan3Layout"/>.
/// </summary>
public static class StyleGan3PickleReader
{
    private const string InferenceNetwork = "G_ema";

    /// <exception cref="CheckpointFormatException">The file is not a usable StyleGAN3 network pickle.</exception>
    public static StyleGan3Checkpoint Read(string path)
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
        return Read(data, path, InferenceNetwork);
    }

    /// <exception cref="CheckpointFormatException">The stream is not a usable StyleGAN3 network pickle.</exception>
    public static StyleGan3Checkpoint Read(Stream stream, string name = "stream") =>
        Read(StyleGanPickleReader.ReadAll(stream), name, InferenceNetwork);

    internal static StyleGan3Checkpoint Read(byte[] data, string name, string network)
    {
        try
        {
            var generator = StyleGanPickleReader.SelectNetwork(NetworkPickle.Load(data), network);
            if (!NetworkFamily.IsStyleGan3(generator))
                throw new CheckpointFormatException($"{network} is not a StyleGAN3 generator (its class is not from training.networks_stylegan3).");
            return Read(generator, network);
        }
        catch (CheckpointFormatException e)
        {
            throw new CheckpointFormatException($"Cannot read checkpoint '{name}': {e.Message}", e.InnerException);
        }
    }

    /// <summary>Reads an already unpickled StyleGAN3 generator.</summary>
    internal static StyleGan3Checkpoint Read(PersistentObject generator, string network)
    {
        var pickled = ModuleTensors.Collect(generator);
        var config = StyleGan3Kwargs.ToConfig(generator);
        var layout = StyleGan3Layout.For(config);
        GeneratorLayoutCheck.Validate(network, layout, pickled);

        var tensors = new Dictionary<string, torch.Tensor>(layout.Count, StringComparer.Ordinal);
        try
        {
            foreach (var spec in layout)
                tensors.Add(spec.Name, pickled[spec.Name].ToFloat32());
            return new StyleGan3Checkpoint(config, tensors);
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
    }
}

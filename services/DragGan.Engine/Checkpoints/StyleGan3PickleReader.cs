using DragGan.Engine.Networks;
using DragGan.Engine.Networks.StyleGan3;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Reads a StyleGAN3 generator out of an unpickled official network pickle (see
/// <see cref="StyleGanPickleReader"/>, which picks <c>G_ema</c> and routes StyleGAN3 classes here):
/// rebuilds the config from its init kwargs and checks every tensor against
/// <see cref="StyleGan3Layout"/>.
/// </summary>
internal static class StyleGan3PickleReader
{
    public static GeneratorCheckpoint Read(PersistentObject generator, string network)
    {
        var pickled = ModuleTensors.Collect(generator);
        var config = GeneratorConfig.ForStyleGan3(StyleGan3Kwargs.ToConfig(generator));
        var layout = GeneratorLayout.For(config);
        GeneratorLayoutCheck.Validate(network, layout, pickled);

        var tensors = new Dictionary<string, torch.Tensor>(layout.Count, StringComparer.Ordinal);
        try
        {
            foreach (var spec in layout)
                tensors.Add(spec.Name, pickled[spec.Name].ToFloat32());
            return new GeneratorCheckpoint(config, tensors);
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
    }
}

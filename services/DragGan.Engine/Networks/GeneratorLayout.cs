namespace DragGan.Engine.Networks;

/// <summary>
/// Every parameter and buffer of a StyleGAN2-ADA generator, by its official state-dict name and
/// shape, as <c>training.networks.Generator</c> registers them (StyleGAN-Human's: the same names,
/// every spatial width halved). Checkpoint readers validate
/// against it and the generator loads by it.
/// </summary>
public static class GeneratorLayout
{
    public static IReadOnlyList<TensorSpec> For(GeneratorConfig config)
    {
        if (config.StyleGan3Config is { } styleGan3)
            return StyleGan3.StyleGan3Layout.For(styleGan3);
        var specs = new List<TensorSpec>();
        MappingLayout.AddTo(specs, config.ZDim, config.WDim, config.MappingLayers);

        foreach (var res in config.BlockResolutions)
        {
            var block = $"synthesis.b{res}";
            var outChannels = config.ChannelsAt(res);
            specs.Add(new($"{block}.resample_filter", [4, 4], IsBuffer: true));
            if (res == 4)
            {
                specs.Add(new($"{block}.const", [outChannels, res, config.WidthAt(res)]));
            }
            else
            {
                AddSynthesisLayer(specs, $"{block}.conv0", config.ChannelsAt(res / 2), outChannels, res, config.WidthAt(res), config.WDim);
            }
            AddSynthesisLayer(specs, $"{block}.conv1", outChannels, outChannels, res, config.WidthAt(res), config.WDim);

            specs.Add(new($"{block}.torgb.affine.weight", [outChannels, config.WDim]));
            specs.Add(new($"{block}.torgb.affine.bias", [outChannels]));
            specs.Add(new($"{block}.torgb.weight", [config.ImgChannels, outChannels, 1, 1]));
            specs.Add(new($"{block}.torgb.bias", [config.ImgChannels]));
        }
        return specs;
    }

    private static void AddSynthesisLayer(List<TensorSpec> specs, string name, int inChannels, int outChannels, int res, int width, int wDim)
    {
        specs.Add(new($"{name}.affine.weight", [inChannels, wDim]));
        specs.Add(new($"{name}.affine.bias", [inChannels]));
        specs.Add(new($"{name}.weight", [outChannels, inChannels, 3, 3]));
        specs.Add(new($"{name}.noise_strength", []));
        specs.Add(new($"{name}.bias", [outChannels]));
        specs.Add(new($"{name}.resample_filter", [4, 4], IsBuffer: true));
        specs.Add(new($"{name}.noise_const", [res, width], IsBuffer: true));
    }
}

/// <summary>One named tensor of the official layout.</summary>
public sealed record TensorSpec(string Name, long[] Shape, bool IsBuffer = false);

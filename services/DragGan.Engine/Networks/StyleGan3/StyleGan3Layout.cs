namespace DragGan.Engine.Networks.StyleGan3;

/// <summary>
/// Every parameter and persistent buffer of a StyleGAN3 generator, by its official state-dict name
/// and shape, as <c>training.networks_stylegan3.Generator</c> registers them. A layer whose filter
/// has a single tap registers it as None, so it has no <c>up_filter</c> / <c>down_filter</c> entry.
/// </summary>
public static class StyleGan3Layout
{
    public const string InputPrefix = "synthesis.input";

    public static IReadOnlyList<TensorSpec> For(StyleGan3Config config) => For(config, StyleGan3Architecture.For(config));

    public static IReadOnlyList<TensorSpec> For(StyleGan3Config config, StyleGan3Architecture architecture)
    {
        var specs = new List<TensorSpec>();
        MappingLayout.AddTo(specs, config.ZDim, config.WDim, config.MappingLayers);

        var input = architecture.Input;
        specs.Add(new($"{InputPrefix}.weight", [input.Channels, input.Channels]));
        specs.Add(new($"{InputPrefix}.affine.weight", [4, config.WDim]));
        specs.Add(new($"{InputPrefix}.affine.bias", [4]));
        specs.Add(new($"{InputPrefix}.transform", [3, 3], IsBuffer: true));
        specs.Add(new($"{InputPrefix}.freqs", [input.Channels, 2], IsBuffer: true));
        specs.Add(new($"{InputPrefix}.phases", [input.Channels], IsBuffer: true));

        foreach (var layer in architecture.Layers)
        {
            var name = $"synthesis.{layer.Name}";
            specs.Add(new($"{name}.weight", [layer.OutChannels, layer.InChannels, layer.ConvKernel, layer.ConvKernel]));
            specs.Add(new($"{name}.bias", [layer.OutChannels]));
            specs.Add(new($"{name}.magnitude_ema", [], IsBuffer: true));
            if (layer.UpTaps > 1)
                specs.Add(new($"{name}.up_filter", [layer.UpTaps], IsBuffer: true));
            if (layer.DownTaps > 1)
                specs.Add(new($"{name}.down_filter", [layer.DownTaps], IsBuffer: true));
            specs.Add(new($"{name}.affine.weight", [layer.InChannels, config.WDim]));
            specs.Add(new($"{name}.affine.bias", [layer.InChannels]));
        }
        return specs;
    }
}

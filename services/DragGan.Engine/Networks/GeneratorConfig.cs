using DragGan.Engine.Networks.StyleGan3;

namespace DragGan.Engine.Networks;

/// <summary>
/// Hyper-parameters of a StyleGAN2-family generator (config F, skip-architecture synthesis), named
/// after the init kwargs of the official <c>training.networks.Generator</c>, and its
/// <see cref="GeneratorKind"/>: StyleGAN2, a converted TF-era StyleGAN2, or StyleGAN-Human.
/// </summary>
public sealed record GeneratorConfig
{
    public GeneratorKind Kind { get; init; } = GeneratorKind.StyleGan2;

    /// <summary>
    /// The synthesis network's options of a <see cref="GeneratorKind.StyleGan3T"/> generator (null for
    /// every other kind); the fields above repeat its mapping and size options.
    /// </summary>
    public StyleGan3Config? StyleGan3Config { get; init; }

    /// <summary>The config of a StyleGAN3-T generator, its shared fields taken from <paramref name="config"/>.</summary>
    public static GeneratorConfig ForStyleGan3(StyleGan3Config config) => new()
    {
        Kind = GeneratorKind.StyleGan3T,
        ZDim = config.ZDim,
        CDim = config.CDim,
        WDim = config.WDim,
        ImgResolution = config.ImgResolution,
        ImgChannels = config.ImgChannels,
        MappingLayers = config.MappingLayers,
        MappingLrMultiplier = config.MappingLrMultiplier,
        ChannelBase = config.ChannelBase,
        ChannelMax = config.ChannelMax,
        NumFp16Res = config.NumFp16Res,
        ConvClamp = config.ConvClamp,
        StyleGan3Config = config,
    };

    public int ZDim { get; init; } = 512;
    public int CDim { get; init; }
    public int WDim { get; init; } = 512;
    public required int ImgResolution { get; init; }
    public int ImgChannels { get; init; } = 3;
    public int MappingLayers { get; init; } = 8;
    public float MappingLrMultiplier { get; init; } = 0.01f;
    public int ChannelBase { get; init; } = 32768;
    public int ChannelMax { get; init; } = 512;
    public int NumFp16Res { get; init; } = 4;

    /// <summary>Clamp for conv outputs (official default 256 in the ADA configs); null disables it.</summary>
    public float? ConvClamp { get; init; } = 256;

    public int ResolutionLog2 => (int)Math.Log2(ImgResolution);

    /// <summary>
    /// StyleGAN-Human synthesises height x height/2 (its <c>square=False</c>): every block's width is
    /// half its resolution.
    /// </summary>
    public bool IsRectangular => Kind == GeneratorKind.StyleGanHuman;

    /// <summary>The width of block <paramref name="resolution"/>'s output (its height is the resolution).</summary>
    public int WidthAt(int resolution) => IsRectangular ? resolution / 2 : resolution;

    /// <summary>Where the image lies in the square frame: centred on the width, as DragGAN pads it.</summary>
    public ContentRectangle Content => new((ImgResolution - WidthAt(ImgResolution)) / 2, 0, WidthAt(ImgResolution), ImgResolution);

    /// <summary>4, 8, ..., ImgResolution: one synthesis block each.</summary>
    public IReadOnlyList<int> BlockResolutions =>
        Enumerable.Range(2, ResolutionLog2 - 1).Select(i => 1 << i).ToArray();

    /// <summary>Rows of w+: one per conv layer plus the last block's toRGB (2*log2(res) - 2).</summary>
    public int NumWs => StyleGan3Config?.NumWs ?? 2 * ResolutionLog2 - 2;

    /// <summary>Blocks at or above this resolution run in fp16 where the device supports it.</summary>
    public int Fp16Resolution => Math.Max(1 << (ResolutionLog2 + 1 - NumFp16Res), 8);

    public int ChannelsAt(int resolution) => Math.Min(ChannelBase / resolution, ChannelMax);

    /// <summary>
    /// Upper bounds far above every released StyleGAN2 model (1024 px, 512-wide latents and
    /// channels, 8 mapping layers). A checkpoint's config sizes loops and allocations before any
    /// tensor is read, so a few-byte value such as 2^31 - 1 mapping layers must fail here.
    /// </summary>
    public const int MaxImgResolution = 4096;

    /// <inheritdoc cref="MaxImgResolution"/>
    public const int MaxLatentDim = 4096;

    /// <inheritdoc cref="MaxImgResolution"/>
    public const int MaxImgChannels = 4;

    /// <inheritdoc cref="MaxImgResolution"/>
    public const int MaxMappingLayers = 32;

    /// <inheritdoc cref="MaxImgResolution"/>
    public const int MaxChannels = 4096;

    /// <inheritdoc cref="MaxImgResolution"/>
    public const int MaxChannelBase = 1 << 24;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that is out of range.</summary>
    public void Validate()
    {
        if (Kind == GeneratorKind.StyleGan3T)
        {
            ValidateStyleGan3();
            return;
        }
        if (StyleGan3Config is not null)
            throw new ArgumentException($"kind {Kind} takes no StyleGAN3 synthesis options.");
        if (Kind is not (GeneratorKind.StyleGan2 or GeneratorKind.StyleGan2Tf or GeneratorKind.StyleGanHuman))
            throw new ArgumentException($"kind {Kind} is not a StyleGAN2-family generator.");
        if (ImgResolution < 4 || ImgResolution > MaxImgResolution || (ImgResolution & (ImgResolution - 1)) != 0)
            throw new ArgumentException($"img_resolution must be a power of two in 4..{MaxImgResolution}, got {ImgResolution}.");
        if (ZDim <= 0 || ZDim > MaxLatentDim) throw new ArgumentException($"z_dim must be in 1..{MaxLatentDim}, got {ZDim}.");
        if (WDim <= 0 || WDim > MaxLatentDim) throw new ArgumentException($"w_dim must be in 1..{MaxLatentDim}, got {WDim}.");
        if (CDim != 0) throw new ArgumentException($"c_dim must be 0 (conditional generators are not supported), got {CDim}.");
        if (ImgChannels <= 0 || ImgChannels > MaxImgChannels) throw new ArgumentException($"img_channels must be in 1..{MaxImgChannels}, got {ImgChannels}.");
        if (MappingLayers <= 0 || MappingLayers > MaxMappingLayers)
            throw new ArgumentException($"mapping num_layers must be in 1..{MaxMappingLayers}, got {MappingLayers}.");
        if (!float.IsFinite(MappingLrMultiplier)) throw new ArgumentException($"mapping lr_multiplier must be finite, got {MappingLrMultiplier}.");
        if (ChannelBase <= 0 || ChannelBase > MaxChannelBase)
            throw new ArgumentException($"channel_base must be in 1..{MaxChannelBase}, got {ChannelBase}.");
        if (ChannelMax <= 0 || ChannelMax > MaxChannels)
            throw new ArgumentException($"channel_max must be in 1..{MaxChannels}, got {ChannelMax}.");
        if (ChannelsAt(ImgResolution) <= 0)
            throw new ArgumentException($"channel_base {ChannelBase} leaves no channels at resolution {ImgResolution}.");
        if (NumFp16Res < 0) throw new ArgumentException($"num_fp16_res must be >= 0, got {NumFp16Res}.");
        if (ConvClamp is { } clamp && !float.IsFinite(clamp)) throw new ArgumentException($"conv_clamp must be finite or None, got {clamp}.");
    }

    private void ValidateStyleGan3()
    {
        var synthesis = StyleGan3Config ?? throw new ArgumentException("a StyleGAN3-T config needs its synthesis options.");
        synthesis.Validate();
        if (this != ForStyleGan3(synthesis))
            throw new ArgumentException("the shared fields of a StyleGAN3-T config disagree with its synthesis options.");
    }
}

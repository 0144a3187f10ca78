namespace DragGan.Engine.Networks.StyleGan3;

/// <summary>
/// Hyper-parameters of a StyleGAN3-T generator, named after the init kwargs of the official
/// <c>training.networks_stylegan3.Generator</c> (its <c>SynthesisNetwork</c> and
/// <c>SynthesisLayer</c> options arrive flat, as <c>**synthesis_kwargs</c>). Defaults are the
/// reference's.
/// </summary>
public sealed record StyleGan3Config
{
    public int ZDim { get; init; } = 512;
    public int CDim { get; init; }
    public int WDim { get; init; } = 512;
    public required int ImgResolution { get; init; }
    public int ImgChannels { get; init; } = 3;
    public int MappingLayers { get; init; } = 2;
    public float MappingLrMultiplier { get; init; } = 0.01f;
    public int ChannelBase { get; init; } = 32768;
    public int ChannelMax { get; init; } = 512;

    /// <summary>Synthesis layers excluding the Fourier-feature input and ToRGB.</summary>
    public int NumLayers { get; init; } = 14;

    /// <summary>Critically sampled layers at the end.</summary>
    public int NumCritical { get; init; } = 2;

    /// <summary>Cutoff frequency of the first layer, f_{c,0}.</summary>
    public double FirstCutoff { get; init; } = 2;

    /// <summary>Minimum stopband of the first layer, f_{t,0}.</summary>
    public double FirstStopband { get; init; } = Math.Pow(2, 2.1);

    /// <summary>Minimum stopband of the last layer relative to its cutoff.</summary>
    public double LastStopbandRel { get; init; } = Math.Pow(2, 0.3);

    /// <summary>Samples computed outside the image on each side.</summary>
    public int MarginSize { get; init; } = 10;

    public double OutputScale { get; init; } = 0.25;

    /// <summary>Recorded for the native format; this engine runs StyleGAN3 in float32 on every device.</summary>
    public int NumFp16Res { get; init; } = 4;

    public int ConvKernel { get; init; } = 3;

    /// <summary>Low-pass filter taps relative to the lower sampling rate when resampling.</summary>
    public int FilterSize { get; init; } = 6;

    /// <summary>Relative sampling rate of the leaky ReLU.</summary>
    public int LreluUpsampling { get; init; } = 2;

    /// <summary>Radially symmetric down filters (StyleGAN3-R); not supported.</summary>
    public bool UseRadialFilters { get; init; }

    /// <summary>Clamp of every layer's output; null disables it.</summary>
    public float? ConvClamp { get; init; } = 256;

    /// <summary>Decay of the layers' input magnitude average; only training uses it, recorded for the native format.</summary>
    public double MagnitudeEmaBeta { get; init; } = 0.999;

    /// <summary>One w row for the input, one per layer and one for ToRGB.</summary>
    public int NumWs => NumLayers + 2;

    public const int MaxNumLayers = 64;
    public const int MaxMarginSize = 256;
    public const int MaxFilterSize = 64;
    public const int MaxLreluUpsampling = 8;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that is out of range.</summary>
    public void Validate()
    {
        if (ImgResolution < 4 || ImgResolution > GeneratorConfig.MaxImgResolution || (ImgResolution & (ImgResolution - 1)) != 0)
            throw new ArgumentException($"img_resolution must be a power of two in 4..{GeneratorConfig.MaxImgResolution}, got {ImgResolution}.");
        if (ZDim <= 0 || ZDim > GeneratorConfig.MaxLatentDim) throw new ArgumentException($"z_dim must be in 1..{GeneratorConfig.MaxLatentDim}, got {ZDim}.");
        if (WDim <= 0 || WDim > GeneratorConfig.MaxLatentDim) throw new ArgumentException($"w_dim must be in 1..{GeneratorConfig.MaxLatentDim}, got {WDim}.");
        if (CDim != 0) throw new ArgumentException($"c_dim must be 0 (conditional generators are not supported), got {CDim}.");
        if (ImgChannels <= 0 || ImgChannels > GeneratorConfig.MaxImgChannels)
            throw new ArgumentException($"img_channels must be in 1..{GeneratorConfig.MaxImgChannels}, got {ImgChannels}.");
        if (MappingLayers <= 0 || MappingLayers > GeneratorConfig.MaxMappingLayers)
            throw new ArgumentException($"mapping num_layers must be in 1..{GeneratorConfig.MaxMappingLayers}, got {MappingLayers}.");
        if (!float.IsFinite(MappingLrMultiplier)) throw new ArgumentException($"mapping lr_multiplier must be finite, got {MappingLrMultiplier}.");
        if (ChannelBase <= 0 || ChannelBase > GeneratorConfig.MaxChannelBase)
            throw new ArgumentException($"channel_base must be in 1..{GeneratorConfig.MaxChannelBase}, got {ChannelBase}.");
        if (ChannelMax <= 0 || ChannelMax > GeneratorConfig.MaxChannels)
            throw new ArgumentException($"channel_max must be in 1..{GeneratorConfig.MaxChannels}, got {ChannelMax}.");
        if (NumLayers < 1 || NumLayers > MaxNumLayers) throw new ArgumentException($"num_layers must be in 1..{MaxNumLayers}, got {NumLayers}.");
        if (NumCritical < 0 || NumCritical >= NumLayers) throw new ArgumentException($"num_critical must be in 0..{NumLayers - 1}, got {NumCritical}.");
        if (!(FirstCutoff > 0) || !double.IsFinite(FirstCutoff) || FirstCutoff > ImgResolution / 2.0)
            throw new ArgumentException($"first_cutoff must be in (0, {ImgResolution / 2}], got {FirstCutoff}.");
        if (!(FirstStopband > 0) || !double.IsFinite(FirstStopband)) throw new ArgumentException($"first_stopband must be positive and finite, got {FirstStopband}.");
        if (!(LastStopbandRel >= 1) || !double.IsFinite(LastStopbandRel)) throw new ArgumentException($"last_stopband_rel must be >= 1 and finite, got {LastStopbandRel}.");
        if (MarginSize < 0 || MarginSize > MaxMarginSize) throw new ArgumentException($"margin_size must be in 0..{MaxMarginSize}, got {MarginSize}.");
        if (!double.IsFinite(OutputScale)) throw new ArgumentException($"output_scale must be finite, got {OutputScale}.");
        if (NumFp16Res < 0) throw new ArgumentException($"num_fp16_res must be >= 0, got {NumFp16Res}.");
        if (ConvKernel != 3)
            throw new ArgumentException($"conv_kernel must be 3 (StyleGAN3-T); {ConvKernel} is the StyleGAN3-R configuration or unknown, which is not supported.");
        if (UseRadialFilters)
            throw new ArgumentException("use_radial_filters is set (StyleGAN3-R); only StyleGAN3-T is supported.");
        if (FilterSize < 1 || FilterSize > MaxFilterSize) throw new ArgumentException($"filter_size must be in 1..{MaxFilterSize}, got {FilterSize}.");
        if (LreluUpsampling < 1 || LreluUpsampling > MaxLreluUpsampling)
            throw new ArgumentException($"lrelu_upsampling must be in 1..{MaxLreluUpsampling}, got {LreluUpsampling}.");
        if (ConvClamp is { } clamp && (!float.IsFinite(clamp) || clamp < 0)) throw new ArgumentException($"conv_clamp must be >= 0 and finite or None, got {clamp}.");
        if (!double.IsFinite(MagnitudeEmaBeta)) throw new ArgumentException($"magnitude_ema_beta must be finite, got {MagnitudeEmaBeta}.");
    }
}

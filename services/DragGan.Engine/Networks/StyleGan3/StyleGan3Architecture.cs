namespace DragGan.Engine.Networks.StyleGan3;

/// <summary>The Fourier-feature input: channels, square size, sampling rate and bandwidth (its cutoff).</summary>
public sealed record SynthesisInputSpec(int Channels, int Size, double SamplingRate, double Bandwidth);

/// <summary>
/// One synthesis layer as the reference's <c>SynthesisLayer.__init__</c> derives it: channels, sizes,
/// sampling rates, the up/down factors and filter taps of its filtered leaky ReLU and the padding
/// [x0, x1, y0, y1] (negative values crop).
/// </summary>
public sealed record SynthesisLayerSpec(
    int Index,
    string Name,
    bool IsToRgb,
    bool IsCriticallySampled,
    int InChannels,
    int OutChannels,
    int InSize,
    int OutSize,
    int InSamplingRate,
    int OutSamplingRate,
    int ConvKernel,
    int UpFactor,
    int DownFactor,
    int UpTaps,
    int DownTaps,
    int[] Padding);

/// <summary>
/// The layer table of a StyleGAN3 synthesis network, computed as stylegan3
/// <c>training/networks_stylegan3.py</c> <c>SynthesisNetwork.__init__</c> does: geometric
/// progressions of cutoffs and stopbands (float64, as NumPy), sampling rates rounded up to powers of
/// two, sizes = rate + 2 margins (the last two layers at the image size), channels
/// <c>rint(min(channel_base / 2 / cutoff, channel_max))</c>.
/// </summary>
public sealed class StyleGan3Architecture
{
    private StyleGan3Architecture(SynthesisInputSpec input, SynthesisLayerSpec[] layers)
    {
        Input = input;
        Layers = layers;
    }

    public SynthesisInputSpec Input { get; }

    /// <summary>L0 .. L{num_layers}; the last is ToRGB.</summary>
    public IReadOnlyList<SynthesisLayerSpec> Layers { get; }

    /// <summary>The config must be valid (<see cref="StyleGan3Config.Validate"/>).</summary>
    public static StyleGan3Architecture For(StyleGan3Config config)
    {
        var count = config.NumLayers + 1;
        var lastCutoff = config.ImgResolution / 2.0;
        var lastStopband = lastCutoff * config.LastStopbandRel;
        var cutoffs = new double[count];
        var samplingRates = new int[count];
        var sizes = new int[count];
        var channels = new int[count];
        for (var i = 0; i < count; i++)
        {
            var exponent = Math.Min((double)i / (config.NumLayers - config.NumCritical), 1);
            cutoffs[i] = config.FirstCutoff * Math.Pow(lastCutoff / config.FirstCutoff, exponent);
            var stopband = config.FirstStopband * Math.Pow(lastStopband / config.FirstStopband, exponent);
            samplingRates[i] = (int)Math.Pow(2, Math.Ceiling(Math.Log2(Math.Min(stopband * 2, config.ImgResolution))));
            sizes[i] = i >= count - 2 ? config.ImgResolution : samplingRates[i] + 2 * config.MarginSize;
            channels[i] = i == count - 1
                ? config.ImgChannels
                : (int)Math.Round(Math.Min(config.ChannelBase / 2.0 / cutoffs[i], config.ChannelMax), MidpointRounding.ToEven);
            if (channels[i] < 1)
                throw new ArgumentException($"channel_base {config.ChannelBase} leaves layer {i} without channels.");
        }

        var layers = new SynthesisLayerSpec[count];
        for (var i = 0; i < count; i++)
            layers[i] = Layer(config, i, Math.Max(i - 1, 0), samplingRates, sizes, channels);
        return new StyleGan3Architecture(new SynthesisInputSpec(channels[0], sizes[0], samplingRates[0], cutoffs[0]), layers);
    }

    /// <summary>Matches <c>SynthesisLayer.__init__</c>'s factors, taps and padding (Appendix C.3's symmetric interpretation).</summary>
    private static SynthesisLayerSpec Layer(StyleGan3Config config, int i, int prev, int[] samplingRates, int[] sizes, int[] channels)
    {
        var isToRgb = i == config.NumLayers;
        var inRate = samplingRates[prev];
        var outRate = samplingRates[i];
        var tmpRate = Math.Max(inRate, outRate) * (isToRgb ? 1 : config.LreluUpsampling);
        var up = tmpRate / inRate;
        var down = tmpRate / outRate;
        var upTaps = up > 1 && !isToRgb ? config.FilterSize * up : 1;
        var downTaps = down > 1 && !isToRgb ? config.FilterSize * down : 1;
        var kernel = isToRgb ? 1 : config.ConvKernel;

        var padTotal = (sizes[i] - 1) * down + 1 - (sizes[prev] + kernel - 1) * up + upTaps + downTaps - 2;
        var padLo = FloorDiv(padTotal + up, 2);
        var padHi = padTotal - padLo;
        var name = $"L{i}_{sizes[i]}_{channels[i]}";
        return new SynthesisLayerSpec(
            i, name, isToRgb, i >= config.NumLayers - config.NumCritical,
            channels[prev], channels[i], sizes[prev], sizes[i], inRate, outRate,
            kernel, up, down, upTaps, downTaps, [padLo, padHi, padLo, padHi]);
    }

    /// <summary>Python's <c>//</c>: rounds toward negative infinity.</summary>
    private static int FloorDiv(int a, int b) => (int)Math.Floor((double)a / b);
}

using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>
/// The reference's <c>SynthesisBlock</c>, skip architecture: (const | conv0 with 2x up), conv1,
/// and a toRGB whose output is added to the 2x-upsampled image of the block below.
/// </summary>
internal sealed class SynthesisBlock : IDisposable
{
    private readonly Tensor? _const;
    private readonly SynthesisLayer? _conv0;
    private readonly SynthesisLayer _conv1;
    private readonly ToRgbLayer _toRgb;
    private readonly FirFilter _imageUpsample;
    private readonly string _name;
    private readonly long _wDim;
    private readonly long _imgChannels;
    private readonly long _widthBelow;

    public SynthesisBlock(NamedTensors source, GeneratorConfig config, int resolution)
    {
        var name = $"synthesis.b{resolution}";
        var outChannels = config.ChannelsAt(resolution);
        Resolution = resolution;
        UsesFp16 = resolution >= config.Fp16Resolution;
        if (resolution == 4)
            _const = source.Take($"{name}.const");
        else
            _conv0 = new SynthesisLayer(source, $"{name}.conv0", resolution, upsample: true, config.ConvClamp);
        _conv1 = new SynthesisLayer(source, $"{name}.conv1", resolution, upsample: false, config.ConvClamp);
        _toRgb = new ToRgbLayer(source, $"{name}.torgb", outChannels, config.ConvClamp);
        _imageUpsample = new FirFilter(source, $"{name}.resample_filter", config.ImgChannels);
        _name = name;
        _wDim = config.WDim;
        _imgChannels = config.ImgChannels;
        _widthBelow = resolution == 4 ? 0 : config.WidthAt(resolution / 2);
    }

    public int Resolution { get; }

    /// <summary>Whether the reference runs this block in fp16 (on CUDA; we never do on CPU).</summary>
    public bool UsesFp16 { get; }

    /// <summary>Rows of w+ its convolutions consume; toRGB reads the row after them.</summary>
    public int ConvCount => _conv0 is null ? 1 : 2;

    /// <summary>The block's synthesis layers in order: conv1 alone at 4x4, conv0 then conv1 above.</summary>
    public IEnumerable<SynthesisLayer> Layers => _conv0 is null ? [_conv1] : [_conv0, _conv1];

    /// <summary>
    /// The block's output features: x of the reference's block forward. <paramref name="givenNoise"/>
    /// holds one buffer per layer (<see cref="ConvCount"/>) for <see cref="NoiseMode.Given"/>,
    /// <paramref name="weightDeltas"/> one delta (or null) per layer.
    /// </summary>
    public Tensor Features(Tensor? x, Tensor ws, ScalarType dtype, NoiseMode noiseMode, IReadOnlyList<Tensor>? givenNoise, bool fused, IReadOnlyList<Tensor?>? weightDeltas = null)
    {
        // As the reference: one w row per conv layer and one for toRGB; x is checked by conv0.
        TensorShape.Assert(ws, $"{_name} ws", null, ConvCount + 1, _wDim);
        if (_conv0 is null)
        {
            var start = _const!.to(dtype).unsqueeze(0).expand(ws.shape[0], -1, -1, -1);
            return _conv1.Forward(start, ws.select(1, 0), noiseMode, givenNoise?[0], fused, weightDeltas?[0]);
        }
        var y = _conv0.Forward(x!.to(dtype), ws.select(1, 0), noiseMode, givenNoise?[0], fused, weightDeltas?[0]);
        return _conv1.Forward(y, ws.select(1, 1), noiseMode, givenNoise?[1], fused, weightDeltas?[1]);
    }

    /// <summary>The running image after this block: upsampled image below plus this block's toRGB, in fp32.</summary>
    public Tensor Image(Tensor? imageBelow, Tensor features, Tensor ws, bool fused)
    {
        if (imageBelow is not null)
            TensorShape.Assert(imageBelow, $"{_name} img", features.shape[0], _imgChannels, Resolution / 2, _widthBelow);
        var rgb = _toRgb.Forward(features, ws.select(1, ConvCount), fused).to(ScalarType.Float32);
        return imageBelow is null ? rgb : _imageUpsample.Upsample2x(imageBelow).add(rgb);
    }

    public void Dispose()
    {
        _const?.Dispose();
        _conv0?.Dispose();
        _conv1.Dispose();
        _toRgb.Dispose();
        _imageUpsample.Dispose();
    }
}

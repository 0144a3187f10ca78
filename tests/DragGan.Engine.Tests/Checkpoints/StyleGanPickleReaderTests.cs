using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using TorchSharp;

namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>Reads the real-format fixture pickle (written by the official PyTorch code).</summary>
public sealed class StyleGanPickleReaderTests
{
    [Fact]
    public void ReadsTheGeneratorConfigurationFromTheInitKwargs()
    {
        using var checkpoint = StyleGanPickleReader.Read(TestFixtures.TinyStyleGan2Pickle);
        var config = checkpoint.Config;

        Assert.Equal(512, config.ZDim);
        Assert.Equal(0, config.CDim);
        Assert.Equal(512, config.WDim);
        Assert.Equal(256, config.ImgResolution);
        Assert.Equal(3, config.ImgChannels);
        Assert.Equal(8, config.MappingLayers);
        Assert.Equal(0.01f, config.MappingLrMultiplier);
        Assert.Equal(4096, config.ChannelBase);
        Assert.Equal(128, config.ChannelMax);
        Assert.Equal(4, config.NumFp16Res);
        Assert.Equal(256f, config.ConvClamp);
        Assert.Equal(14, config.NumWs);
    }

    [Fact]
    public void ReturnsEveryLayoutTensorWithItsShapeAsFloat32()
    {
        using var checkpoint = StyleGanPickleReader.Read(TestFixtures.TinyStyleGan2Pickle);
        var layout = GeneratorLayout.For(checkpoint.Config);

        Assert.Equal(layout.Select(s => s.Name).Order(), checkpoint.Tensors.Keys.Order());
        Assert.Equal(144, checkpoint.Tensors.Count);
        foreach (var spec in layout)
        {
            var tensor = checkpoint.Tensors[spec.Name];
            Assert.True(spec.Shape.SequenceEqual(tensor.shape), $"{spec.Name}: [{string.Join(",", tensor.shape)}]");
            Assert.Equal(torch.ScalarType.Float32, tensor.dtype);
            Assert.True(tensor.is_contiguous(), spec.Name);
        }
    }

    // Reference values printed with torch 1.13 by unpickling the fixture with the official
    // torch_utils (NVlabs/stylegan2-ada-pytorch on PYTHONPATH) and indexing G_ema / G:
    //   sd = d['G_ema'].state_dict(); sd['mapping.fc0.weight'][0, :4].tolist(), ...
    //   sum(v.double().sum() for v in sd.values()), sum(v.double().abs().sum() ...)
    private static readonly float[] GEmaFc0Weight = [-73.7844009399414f, 92.21248626708984f, 49.65839385986328f, 4.456234455108643f];
    private static readonly float[] GFc0Weight = [-73.77012634277344f, 92.19908142089844f, 49.66469192504883f, 4.452690124511719f];
    private static readonly float[] GEmaConst = [-0.1150640994310379f, -0.36534836888313293f, 0.17486903071403503f, -0.9556694626808167f];
    private static readonly float[] GEmaWAvg = [0.5318179726600647f, 0.008096283301711082f, 1.1381266117095947f, 0.17345599830150604f];
    private static readonly float[] GEmaNoiseConst = [-0.2029222697019577f, -0.37985825538635254f, 0.14623330533504486f, 1.0924941301345825f];
    private static readonly float[] GEmaB64Conv1Weight = [0.07536554336547852f, 0.9106675982475281f, 0.2550617456436157f];
    private const float GEmaNoiseStrength = 0.058288779109716415f;
    private const double GEmaSum = 134436.1783843027;
    private const double GEmaAbsSum = 169439113.66412234;

    [Fact]
    public void ReturnsTheValuesOfGEma()
    {
        using var checkpoint = StyleGanPickleReader.Read(TestFixtures.TinyStyleGan2Pickle);
        var t = checkpoint.Tensors;

        Assert.Equal(GEmaFc0Weight, Values(t["mapping.fc0.weight"][0, ..4]));
        Assert.Equal(GEmaConst, Values(t["synthesis.b4.const"][0, 0, ..4]));
        Assert.Equal(GEmaWAvg, Values(t["mapping.w_avg"][..4]));
        Assert.Equal(GEmaNoiseConst, Values(t["synthesis.b8.conv0.noise_const"][0, ..4]));
        Assert.Equal(GEmaB64Conv1Weight, Values(t["synthesis.b64.conv1.weight"][63, 63, 2, ..3]));
        Assert.Equal(GEmaNoiseStrength, t["synthesis.b8.conv0.noise_strength"].item<float>());

        var sum = t.Values.Sum(v => v.to_type(torch.ScalarType.Float64).sum().item<double>());
        var absSum = t.Values.Sum(v => v.to_type(torch.ScalarType.Float64).abs().sum().item<double>());
        Assert.Equal(GEmaSum, sum, 1e-6);
        Assert.Equal(GEmaAbsSum, absSum, 1e-3);
    }

    [Fact]
    public void TakesGEmaNotTheTrainingCopyG()
    {
        using var gEma = StyleGanPickleReader.Read(TestFixtures.TinyStyleGan2Pickle);
        using var g = StyleGanPickleReader.ReadNetwork(TestFixtures.TinyStyleGan2Pickle, "G");

        Assert.Equal(GFc0Weight, Values(g.Tensors["mapping.fc0.weight"][0, ..4]));
        Assert.NotEqual(Values(g.Tensors["mapping.fc0.weight"][0, ..4]), Values(gEma.Tensors["mapping.fc0.weight"][0, ..4]));

        // In the fixture G = G_ema + noise on every parameter; buffers (w_avg, noise) are shared.
        var layout = GeneratorLayout.For(gEma.Config);
        foreach (var spec in layout)
        {
            var same = Values(g.Tensors[spec.Name]).SequenceEqual(Values(gEma.Tensors[spec.Name]));
            Assert.True(same == spec.IsBuffer, $"{spec.Name}: equal={same}, buffer={spec.IsBuffer}");
        }
    }

    [Fact]
    public void ReadsFromAStreamLikeFromAPath()
    {
        using var file = File.OpenRead(TestFixtures.TinyStyleGan2Pickle);
        using var fromStream = StyleGanPickleReader.Read(file);
        using var fromPath = StyleGanPickleReader.Read(TestFixtures.TinyStyleGan2Pickle);

        Assert.Equal(fromPath.Config, fromStream.Config);
        foreach (var (name, tensor) in fromPath.Tensors)
            Assert.Equal(Values(tensor), Values(fromStream.Tensors[name]));
    }

    private static float[] Values(torch.Tensor tensor) => tensor.contiguous().data<float>().ToArray();
}

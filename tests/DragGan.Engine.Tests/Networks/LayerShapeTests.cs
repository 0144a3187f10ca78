using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Networks;

/// <summary>
/// Every layer checks the tensors it is given, as the reference's <c>misc.assert_shape</c> calls do,
/// and says which tensor of which layer is wrong. On the small random checkpoint: z and w of 32,
/// 32 channels, blocks at 4, 8 and 16 px.
/// </summary>
public sealed class LayerShapeTests : IDisposable
{
    private readonly GeneratorCheckpoint _checkpoint = SmallCheckpoints.Create();
    private readonly NamedTensors _source;

    public LayerShapeTests() => _source = new NamedTensors(_checkpoint.Tensors, CPU);

    [Fact]
    public void AShapeMatchesWhereEverySizeAgrees_NullMatchingAny()
    {
        using var scope = NewDisposeScope();
        TensorShape.Assert(zeros(5, 3, 8, 8), "x", null, 3, 8, 8);

        var rank = Assert.Throws<InvalidOperationException>(() => TensorShape.Assert(zeros(3, 8, 8), "x", null, 3, 8, 8));
        Assert.Equal("x must be [*, 3, 8, 8], got [3, 8, 8].", rank.Message);
        var size = Assert.Throws<InvalidOperationException>(() => TensorShape.Assert(zeros(5, 3, 8, 9), "x", null, 3, 8, 8));
        Assert.Equal("x must be [*, 3, 8, 8], got [5, 3, 8, 9].", size.Message);
    }

    [Fact]
    public void MappingNamesAWrongZ()
    {
        using var scope = NewDisposeScope();
        using var mapping = new MappingNetwork(_source, SmallCheckpoints.Config);

        Assert.Equal([2, SmallCheckpoints.Config.NumWs, 32], mapping.Forward(randn(2, 32), 1, null).shape);
        var error = Assert.Throws<InvalidOperationException>(() => mapping.Forward(randn(2, 31), 1, null));
        Assert.Equal("mapping z must be [*, 32], got [2, 31].", error.Message);
    }

    [Fact]
    public void ASynthesisLayerNamesAWrongInputOrW()
    {
        using var scope = NewDisposeScope();
        using var conv0 = new SynthesisLayer(_source, "synthesis.b8.conv0", 8, upsample: true, convClamp: null);
        var w = randn(1, 32);

        Assert.Equal([1, 32, 8, 8], conv0.Forward(randn(1, 32, 4, 4), w, NoiseMode.Const, null, fused: true, weightDelta: null).shape);
        Assert.Equal("synthesis.b8.conv0 x must be [*, 32, 4, 4], got [1, 16, 4, 4].",
            Assert.Throws<InvalidOperationException>(() => conv0.Forward(randn(1, 16, 4, 4), w, NoiseMode.Const, null, fused: true, weightDelta: null)).Message);
        Assert.Equal("synthesis.b8.conv0 x must be [*, 32, 4, 4], got [1, 32, 8, 8].",
            Assert.Throws<InvalidOperationException>(() => conv0.Forward(randn(1, 32, 8, 8), w, NoiseMode.Const, null, fused: true, weightDelta: null)).Message);
        Assert.Equal("synthesis.b8.conv0 w must be [2, 32], got [1, 32].",
            Assert.Throws<InvalidOperationException>(() => conv0.Forward(randn(2, 32, 4, 4), w, NoiseMode.Const, null, fused: false, weightDelta: null)).Message);
    }

    [Fact]
    public void ABlockNamesTooFewWRowsAndAWrongImageBelow()
    {
        using var scope = NewDisposeScope();
        using var block = new SynthesisBlock(_source, SmallCheckpoints.Config, 8);
        var ws = randn(1, 3, 32);
        var features = block.Features(randn(1, 32, 4, 4), ws, ScalarType.Float32, NoiseMode.Const, null, fused: true);

        Assert.Equal([1, 3, 8, 8], block.Image(randn(1, 3, 4, 4), features, ws, fused: true).shape);
        Assert.Equal("synthesis.b8 ws must be [*, 3, 32], got [1, 2, 32].",
            Assert.Throws<InvalidOperationException>(() => block.Features(randn(1, 32, 4, 4), randn(1, 2, 32), ScalarType.Float32, NoiseMode.Const, null, fused: true)).Message);
        Assert.Equal("synthesis.b8 img must be [1, 3, 4, 4], got [1, 3, 8, 8].",
            Assert.Throws<InvalidOperationException>(() => block.Image(randn(1, 3, 8, 8), features, ws, fused: true)).Message);
    }

    [Fact]
    public void ToRgbNamesAWrongInput()
    {
        using var scope = NewDisposeScope();
        using var toRgb = new ToRgbLayer(_source, "synthesis.b8.torgb", 32, convClamp: null);

        Assert.Equal("synthesis.b8.torgb x must be [*, 32, *, *], got [1, 8, 8, 8].",
            Assert.Throws<InvalidOperationException>(() => toRgb.Forward(randn(1, 8, 8, 8), randn(1, 32), fused: true)).Message);
    }

    public void Dispose() => _checkpoint.Dispose();
}

using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using DragGan.Engine.Tuning;

namespace DragGan.Engine.Tests.Tuning;

public sealed class WeightDeltaFormatTests
{
    private const string ModelId = "small";

    private static readonly IReadOnlyList<ConvLayerShape> Layers = SmallLayers();

    [Theory]
    [InlineData(WeightDeltaKind.LowRank, 3)]
    [InlineData(WeightDeltaKind.Full, 0)]
    public void ADeltaReadsBackAsWritten(WeightDeltaKind kind, int rank)
    {
        var delta = RandomDelta(kind, rank);

        var bytes = WeightDeltaFormat.Write(delta);
        var read = WeightDeltaFormat.Read(bytes, ModelId, Layers);

        Assert.Equal(WeightDeltaFormat.SizeOf(ModelId, Layers, rank), bytes.Length);
        Assert.Equal(kind, read.Kind);
        Assert.Equal(rank, read.Rank);
        Assert.Equal(ModelId, read.ModelId);
        for (var i = 0; i < Layers.Count; i++)
        {
            Assert.Equal(Layers[i], read.Layers[i].Shape);
            Assert.Equal(delta.Layers[i].B, read.Layers[i].B);
            Assert.Equal(delta.Layers[i].A, read.Layers[i].A);
        }
    }

    [Fact]
    public void TheSizeFormulaKeepsRankEightUnderOneMebibyteForTheOfficialFfhq512Generator()
    {
        var ffhq = new GeneratorConfig { ZDim = 512, WDim = 512, ImgResolution = 512, ChannelBase = 32768, ChannelMax = 512 };
        var layers = ConvLayersOf(ffhq);

        Assert.Equal(15, layers.Count);
        Assert.Equal(59_072, layers.Sum(l => l.OutChannels + l.FanIn));
        Assert.True(WeightDeltaFormat.SizeOf("ffhq-512", layers, rank: 8) <= 1 << 20);
        Assert.True(WeightDeltaFormat.SizeOf("ffhq-512", layers, rank: 9) > 1 << 20);
    }

    [Fact]
    public void AFlippedBitIsRefusedByTheChecksum()
    {
        var bytes = WeightDeltaFormat.Write(RandomDelta(WeightDeltaKind.LowRank, 2));
        bytes[bytes.Length / 2] ^= 0x10;

        AssertRefused(bytes, "delta.Checksum", "corrupted");
    }

    [Fact]
    public void TruncatedDataIsRefusedNamingTheFieldItEndsIn()
    {
        var bytes = WeightDeltaFormat.Write(RandomDelta(WeightDeltaKind.LowRank, 2));

        AssertRefused(bytes[..2], "delta.Magic", "truncated");
        AssertRefused(bytes[..5], "delta.Version", "truncated");
        AssertRefused(bytes[..12], "delta.ModelId", "truncated");
        AssertRefused(bytes[..(bytes.Length - 10)], "delta.Checksum", "truncated");
        AssertRefused(bytes[..(bytes.Length / 2)], "delta.Values", "truncated");
        AssertRefused([.. bytes, 0], "delta", "follow the checksum");
    }

    [Fact]
    public void ADeltaForAnotherModelIsRefused()
    {
        var bytes = WeightDeltaFormat.Write(RandomDelta(WeightDeltaKind.LowRank, 2));

        AssertRefused(bytes, "delta.ModelId", "'small', not 'faces-128'", expectedModelId: "faces-128");
    }

    [Fact]
    public void ADeltaShapedForOtherLayersIsRefused()
    {
        var bytes = WeightDeltaFormat.Write(RandomDelta(WeightDeltaKind.LowRank, 2));
        var wider = Layers.Select((l, i) => i == 1 ? l with { InChannels = l.InChannels * 2 } : l).ToArray();

        AssertRefused(bytes, "delta.Layers[1].Shape", Layers[1].Name, layers: wider);
        AssertRefused(bytes, "delta.LayerCount", "synthesis convolutions", layers: Layers.Take(3).ToArray());
    }

    [Fact]
    public void BadHeadersAreRefusedByField()
    {
        var bytes = WeightDeltaFormat.Write(RandomDelta(WeightDeltaKind.LowRank, 2));

        AssertRefused([(byte)'X', .. bytes[1..]], "delta.Magic", "DGWD");
        AssertRefused([.. bytes[..4], 2, 0, .. bytes[6..]], "delta.Version", "version 2");
        AssertRefused([.. bytes[..6], 7, .. bytes[7..]], "delta.Kind", "kind 7");
        var rankAt = 7 + 2 + ModelId.Length;
        AssertRefused([.. bytes[..rankAt], 0, 0, .. bytes[(rankAt + 2)..]], "delta.Rank", "rank must be in 1..");
    }

    [Fact]
    public void NonFiniteValuesAreRefused()
    {
        var delta = RandomDelta(WeightDeltaKind.LowRank, 2);
        delta.Layers[0].A[5] = float.PositiveInfinity;

        AssertRefused(WeightDeltaFormat.Write(delta), "delta.Layers[0].A", "finite");
    }

    private static void AssertRefused(byte[] bytes, string field, string message, string expectedModelId = ModelId, IReadOnlyList<ConvLayerShape>? layers = null)
    {
        var error = Assert.Throws<WeightDeltaFormatException>(() => WeightDeltaFormat.Read(bytes, expectedModelId, layers ?? Layers));
        Assert.Equal(field, error.ParamName);
        Assert.Contains(field, error.Message);
        Assert.Contains(message, error.Message);
    }

    private static WeightDelta RandomDelta(WeightDeltaKind kind, int rank)
    {
        var random = new System.Random(9);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(Half)(random.NextDouble() * 2 - 1)).ToArray();
        var layers = Layers.Select(l => kind == WeightDeltaKind.Full
            ? new WeightDeltaLayer(l, Values(l.OutChannels * l.FanIn), [])
            : new WeightDeltaLayer(l, Values(l.OutChannels * rank), Values(rank * l.FanIn))).ToArray();
        return new WeightDelta(ModelId, kind, rank, layers);
    }

    private static IReadOnlyList<ConvLayerShape> SmallLayers()
    {
        using var checkpoint = SmallCheckpoints.Create();
        using var generator = StyleGan2Generator.Create(checkpoint);
        return generator.ConvLayers;
    }

    /// <summary>The synthesis convolutions of a config from its official layout, without building the generator.</summary>
    private static IReadOnlyList<ConvLayerShape> ConvLayersOf(GeneratorConfig config) =>
        GeneratorLayout.For(config)
            .Where(s => s.Name.StartsWith("synthesis.", StringComparison.Ordinal) && s.Name.EndsWith(".weight", StringComparison.Ordinal) && !s.Name.Contains(".torgb.") && !s.Name.Contains(".affine."))
            .Select(s => new ConvLayerShape(s.Name[..^".weight".Length], (int)s.Shape[0], (int)s.Shape[1], (int)s.Shape[2]))
            .ToArray();
}

using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using TorchSharp;

namespace DragGan.Engine.Tests.Support;

/// <summary>Small random generators (16x16, narrow) for tests that need real checkpoints but not real weights.</summary>
public static class SmallCheckpoints
{
    public static GeneratorConfig Config { get; } = new()
    {
        ZDim = 32,
        WDim = 32,
        ImgResolution = 16,
        MappingLayers = 2,
        ChannelBase = 256,
        ChannelMax = 32,
    };

    public static GeneratorCheckpoint Create(int seed = 1) => RandomCheckpoint.Create(Config, seed);

    /// <summary>Writes a small random checkpoint in the native format and returns its path.</summary>
    public static string WriteNative(string path, int seed = 1, NativeCheckpointWriteOptions? options = null)
    {
        using var checkpoint = Create(seed);
        NativeCheckpointFormat.Write(checkpoint, path, options);
        return path;
    }

    public static void AssertSameTensors(GeneratorCheckpoint expected, GeneratorCheckpoint actual)
    {
        Assert.Equal(expected.Config, actual.Config);
        Assert.Equal(expected.Tensors.Keys.Order(StringComparer.Ordinal), actual.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in expected.Tensors)
        {
            var other = actual.Tensors[name];
            Assert.Equal(torch.ScalarType.Float32, other.dtype);
            Assert.True(tensor.shape.SequenceEqual(other.shape), $"{name}: shape differs");
            Assert.True(Identical(tensor, other), $"{name}: values differ");
        }
    }

    /// <summary>Same shape and bit-for-bit the same values.</summary>
    public static bool Identical(torch.Tensor a, torch.Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && (a.numel() == 0 || a.eq(b).all().item<bool>());
}

using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;

namespace DragGan.Benchmarks;

/// <summary>A generator under test: random official-architecture weights or the fixture checkpoint.</summary>
internal sealed record BenchmarkModel(string Name, Func<GeneratorCheckpoint> Load)
{
    public static BenchmarkModel Random(int resolution) => new(
        $"random-{resolution}-cb32768",
        () => RandomCheckpoint.Create(new GeneratorConfig { ImgResolution = resolution, ChannelBase = 32768, ChannelMax = 512 }, seed: 1));

    public static BenchmarkModel Fixture(string path) => new("fixture-stylegan2-tiny-256", () => CheckpointLoader.Load(path));

    public static BenchmarkModel File(string name, string path) => new(name, () => CheckpointLoader.Load(path));

    public StyleGan2Generator Create(torch.Device device)
    {
        using var checkpoint = Load();
        return StyleGan2Generator.Create(checkpoint, device);
    }
}

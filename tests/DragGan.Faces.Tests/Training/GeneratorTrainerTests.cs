using System.Text.Json;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using DragGan.Training.Generators;

namespace DragGan.Faces.Tests.Training;

public sealed class GeneratorTrainerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "draggan-faces-" + Guid.NewGuid().ToString("N"));

    private static readonly GeneratorRecipe Tiny = new()
    {
        Resolution = 32, ChannelBase = 256, ChannelMax = 32, ZDim = 32, WDim = 32, MappingLayers = 2, BatchSize = 4,
    };

    [Fact]
    public void A_run_writes_a_half_precision_model_the_engine_loads_and_a_second_run_continues_the_count()
    {
        var trainer = new GeneratorTrainer(Tiny, _folder, TextWriter.Null);
        trainer.Run(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), maxImages: 8);

        var info = NativeCheckpointFormat.ReadInfo(trainer.ModelFile);
        Assert.All(info.Tensors, t => Assert.Equal("F16", t.DType));
        Assert.Equal(32, info.Config.ImgResolution);
        Assert.Contains("supervised fit", info.Metadata["draggan.training"]);
        using (var checkpoint = CheckpointLoader.Load(trainer.ModelFile))
        using (var generator = StyleGan2Generator.Create(checkpoint))
        using (var image = generator.Synthesize(generator.Map(TorchSharp.torch.randn(1, 32))).Image!)
            Assert.Equal([1, 3, 32, 32], image.shape);
        Assert.True(File.Exists(Path.Combine(_folder, GeneratorTrainer.PreviewFile)));

        new GeneratorTrainer(Tiny, _folder, TextWriter.Null).Run(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), maxImages: 16);
        var progress = JsonSerializer.Deserialize<TrainingProgress>(File.ReadAllText(Path.Combine(_folder, GeneratorTrainer.ProgressFile)))!;
        Assert.Equal(16, progress.ImagesSeen);
        Assert.Equal([8L, 16L], progress.History.Select(h => h.ImagesSeen));
        Assert.All(progress.History, h => Assert.True(h.ValidationL1 is > 0 and < 2));
    }

    [Fact]
    public void A_folder_holding_another_shape_is_refused_by_name()
    {
        new GeneratorTrainer(Tiny, _folder, TextWriter.Null).Run(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), maxImages: 4);
        var wider = Tiny with { ChannelMax = 16 };
        var error = Assert.Throws<InvalidOperationException>(() => new GeneratorTrainer(wider, _folder, TextWriter.Null).Run(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), 8));
        Assert.Contains(GeneratorTrainer.StateFile, error.Message);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }
}

using DragGan.Engine.Checkpoints;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DragGan.Engine.Tests.Models;

public sealed class ModelRegistryTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ServesAConfiguredNativeModelByPath()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"), seed: 5);
        using var registry = new ModelRegistry(new ModelRegistryOptions
        {
            Models = { ["small"] = new ModelEntry { Path = path, Description = "A small one", DefaultPsi = 0.5 } },
        });

        var info = registry.Describe("small");
        Assert.Equal(new ModelInfo("small", 16, 6, 32, 32, "A small one", IsDemo: false, DefaultPsi: 0.5, DefaultLearningRate: 0.001), info);
        Assert.Equal(["small", FacesModel.Name, DemoModel.Name], registry.List().Select(m => m.Name));
        Assert.Equal("small", registry.DefaultModelName);

        var generator = registry.Get("small");
        Assert.Equal(SmallCheckpoints.Config, Assert.IsType<StyleGan2Generator>(generator).Config);
        Assert.Same(generator, registry.Get("SMALL"));
    }

    [Fact]
    public void WithNothingConfigured_TheFacesModelIsTheDefault_AndTheDemoModelIsOfferedBesideIt()
    {
        using var registry = new ModelRegistry(new ModelRegistryOptions());

        Assert.Equal([FacesModel.Name, DemoModel.Name], registry.List().Select(m => m.Name));
        Assert.Equal(FacesModel.Name, registry.DefaultModelName);
        var faces = registry.Describe(FacesModel.Name);
        Assert.False(faces.IsDemo);
        Assert.Equal((128, 12, 128, 64), (faces.Resolution, faces.NumWs, faces.WDim, faces.ZDim));
        Assert.Equal(FacesModel.DefaultLearningRate, faces.DefaultLearningRate);
        Assert.Equal(128, registry.Get(FacesModel.Name).Resolution);

        var demo = registry.Describe(DemoModel.Name);
        Assert.True(demo.IsDemo);
        Assert.Equal((256, 14, 512), (demo.Resolution, demo.NumWs, demo.WDim));
        Assert.Equal(256, registry.Get(DemoModel.Name).Resolution);
    }

    [Fact]
    public void WithTheFacesModelTurnedOff_TheDemoModelAloneIsTheDefault()
    {
        using var registry = new ModelRegistry(new ModelRegistryOptions { IncludeFacesModel = false });

        Assert.Equal(DemoModel.Name, Assert.Single(registry.List()).Name);
        Assert.Equal(DemoModel.Name, registry.DefaultModelName);
    }

    [Fact]
    public void AConfiguredDefaultModelWinsOverTheBuiltInOrder()
    {
        using var registry = new ModelRegistry(new ModelRegistryOptions { DefaultModel = DemoModel.Name });

        Assert.Equal(DemoModel.Name, registry.DefaultModelName);
    }

    [Fact]
    public void UnknownModelIsAModelNotFoundExceptionNamingIt()
    {
        using var registry = new ModelRegistry(new ModelRegistryOptions());

        var error = Assert.Throws<ModelNotFoundException>(() => registry.Get("ffhq-1024"));
        Assert.Equal("ffhq-1024", error.ModelName);
        Assert.Contains("'ffhq-1024'", error.Message);
        Assert.Contains(DemoModel.Name, error.Message);
        Assert.Throws<ModelNotFoundException>(() => registry.Describe("nope"));
        Assert.False(registry.Contains("nope"));
    }

    [Fact]
    public void LoadsLazilyAndOnceUnderConcurrentRequests()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        var loads = 0;
        using var registry = new ModelRegistry(
            new ModelRegistryOptions { Models = { ["small"] = new ModelEntry { Path = path } }, IncludeFacesModel = false, IncludeDemoModel = false },
            source =>
            {
                Interlocked.Increment(ref loads);
                Thread.Sleep(100);
                return CheckpointLoader.Load(source.Path, source.Format);
            });

        // Listing a native model reads its header only.
        Assert.Single(registry.List());
        Assert.Equal(0, loads);

        var generators = new ImageGenerator[8];
        Parallel.For(0, generators.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => generators[i] = registry.Get("small"));

        Assert.Equal(1, loads);
        Assert.All(generators, g => Assert.Same(generators[0], g));
    }

    [Fact]
    public void AFailedLoadIsReportedAndRetried()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        var attempts = 0;
        using var registry = new ModelRegistry(
            new ModelRegistryOptions { Models = { ["small"] = new ModelEntry { Path = path } } },
            source => ++attempts == 1 ? throw new CheckpointFormatException("disk hiccup") : CheckpointLoader.Load(source.Path));

        var error = Assert.Throws<ModelLoadException>(() => registry.Get("small"));
        Assert.Equal("small", error.ModelName);
        Assert.Contains("disk hiccup", error.Message);
        Assert.NotNull(registry.Get("small"));
        Assert.Equal(2, attempts);
    }

    [Fact]
    public void ServesAnOfficialPickle()
    {
        using var registry = new ModelRegistry(new ModelRegistryOptions
        {
            Models = { ["tiny"] = new ModelEntry { Path = TestFixtures.TinyStyleGan2Pickle, Format = CheckpointFormat.Pickle } },
            IncludeFacesModel = false,
            IncludeDemoModel = false,
        });

        var info = Assert.Single(registry.List());
        Assert.Equal((256, 14), (info.Resolution, info.NumWs));
        Assert.Equal(4096, Assert.IsType<StyleGan2Generator>(registry.Get("tiny")).Config.ChannelBase);
    }

    [Fact]
    public void RejectsBadOptionsWithEveryProblemNamed()
    {
        var options = new ModelRegistryOptions
        {
            Models =
            {
                ["bad name!"] = new ModelEntry { Path = _directory.File("x.pkl") },
                ["missing"] = new ModelEntry { Path = _directory.File("missing.safetensors") },
                ["psi"] = new ModelEntry { Path = TestFixtures.TinyStyleGan2Pickle, DefaultPsi = 1.5, DefaultLearningRate = 0 },
                [DemoModel.Name] = new ModelEntry { Path = TestFixtures.TinyStyleGan2Pickle },
                [FacesModel.Name] = new ModelEntry { Path = TestFixtures.TinyStyleGan2Pickle },
            },
            DefaultModel = "other",
            Device = "tpu",
        };

        var error = Assert.Throws<OptionsValidationException>(() => new ModelRegistry(options));
        var message = string.Join("\n", error.Failures);
        Assert.Contains("'bad name!' is not valid", message);
        Assert.Contains("missing.safetensors' does not exist", message);
        Assert.Contains("DefaultPsi", message);
        Assert.Contains("DefaultLearningRate", message);
        Assert.Contains("reserved for the built-in demo model", message);
        Assert.Contains("reserved for the built-in faces model", message);
        Assert.Contains("DefaultModel 'other'", message);
        Assert.Contains("'tpu'", message);

        Assert.Contains("the registry would be empty", Assert.Throws<OptionsValidationException>(
            () => new ModelRegistry(new ModelRegistryOptions { IncludeFacesModel = false, IncludeDemoModel = false })).Message);
    }

    [Fact]
    public void ResolvesRelativePathsAgainstTheBaseDirectory()
    {
        SmallCheckpoints.WriteNative(_directory.File("rel.safetensors"));
        using var registry = new ModelRegistry(new ModelRegistryOptions
        {
            BaseDirectory = _directory.Path,
            Models = { ["rel"] = new ModelEntry { Path = "rel.safetensors" } },
        });

        Assert.Equal(16, registry.Describe("rel").Resolution);
    }

    [Fact]
    public void BindsFromConfigurationThroughDependencyInjection()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ModelRegistry:Models:small:Path"] = path,
            ["ModelRegistry:Models:small:Format"] = "native",
            ["ModelRegistry:Models:small:DefaultPsi"] = "0.6",
            ["ModelRegistry:Models:small:DefaultLearningRate"] = "0.002",
            ["ModelRegistry:Models:small:Description"] = "Configured",
            ["ModelRegistry:IncludeFacesModel"] = "false",
            ["ModelRegistry:IncludeDemoModel"] = "false",
        }).Build();
        using var provider = new ServiceCollection().AddModelRegistry(configuration).BuildServiceProvider();

        var registry = provider.GetRequiredService<IModelRegistry>();
        var model = Assert.Single(registry.List());
        Assert.Equal(new ModelInfo("small", 16, 6, 32, 32, "Configured", false, 0.6, 0.002), model);
        Assert.Same(registry, provider.GetRequiredService<IModelRegistry>());
    }

    [Fact]
    public void EmptyConfigurationGivesTheBuiltInModelsAndBadConfigurationFailsValidation()
    {
        using (var provider = new ServiceCollection().AddModelRegistry(new ConfigurationBuilder().Build()).BuildServiceProvider())
        {
            var registry = provider.GetRequiredService<IModelRegistry>();
            Assert.Equal([FacesModel.Name, DemoModel.Name], registry.List().Select(m => m.Name));
            Assert.Equal(FacesModel.Name, registry.DefaultModelName);
        }

        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ModelRegistry:Models:x:Path"] = _directory.File("nowhere.pkl"),
        }).Build();
        using var badProvider = new ServiceCollection().AddModelRegistry(bad).BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => badProvider.GetRequiredService<IOptions<ModelRegistryOptions>>().Value);
        Assert.Contains("nowhere.pkl", error.Message);
    }
}

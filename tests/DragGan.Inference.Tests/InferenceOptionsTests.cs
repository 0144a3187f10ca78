using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DragGan.Inference.Tests;

/// <summary>The host's settings: bound from "Inference", checked by one validator before anything starts.</summary>
public sealed class InferenceOptionsTests
{
    [Fact]
    public void EverySettingOutOfRange_IsNamed_AndTheHostIsNotBuilt()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build(
            ("Inference:MaxBatchSize", "0"),
            ("Inference:MaxStepSeconds", "NaN"),
            ("Inference:MetricsPort", "70000")));

        Assert.Equal(
            [
                "Inference:MaxBatchSize must be at least 1, got 0.",
                "Inference:MaxStepSeconds must be positive, got NaN.",
                "Inference:MetricsPort must be 0 (off) or a port, got 70000.",
            ],
            error.Failures);
    }

    [Fact]
    public void TheServicesSeeTheBoundValues()
    {
        using var app = Build(("Inference:MaxBatchSize", "3"), ("Inference:MetricsPort", "0"));

        Assert.Equal(3, app.Services.GetRequiredService<IOptions<InferenceOptions>>().Value.MaxBatchSize);
    }

    [Fact]
    public async Task ValuesChangedAfterComposition_AreCheckedAgainWhenTheHostStarts()
    {
        await using var app = InferenceHost.CreateApplication([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Serilog:MinimumLevel:Default"] = "Warning", ["Urls"] = "http://127.0.0.1:0", ["Inference:MetricsPort"] = "0",
            });
            builder.Services.PostConfigure<InferenceOptions>(options => options.FrameQueueCapacity = 0);
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Inference:FrameQueueCapacity must be at least 1, got 0.", error.Failures);
    }

    private static WebApplication Build(params (string Key, string Value)[] settings)
    {
        var configuration = new Dictionary<string, string?> { ["Serilog:MinimumLevel:Default"] = "Warning", ["Inference:MetricsPort"] = "0", };
        foreach (var (key, value) in settings)
            configuration[key] = value;
        return InferenceHost.CreateApplication([], builder => builder.Configuration.AddInMemoryCollection(configuration));
    }
}

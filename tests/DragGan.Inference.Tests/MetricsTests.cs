using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;

namespace DragGan.Inference.Tests;

/// <summary>
/// The Prometheus endpoint on the metrics port, scraped over plain HTTP/1.1 as Prometheus does.
/// Alone, after the parallel tests: a server's exporter also counts what the other servers in
/// this process record under the same meter name, and a stream of theirs ending while this one
/// runs would take the active-streams gauge back down.
/// </summary>
[Collection(nameof(MetricsTests))]
public sealed class MetricsTests
{
    [Fact]
    public async Task MetricsEndpoint_ExposesStreamsStepsLatencyAndBatchSize()
    {
        var port = FreePort.Next();
        await using var server = await CustomFixtureServer.StartAsync(("Inference:MetricsPort", port.ToString()));
        var latent = await DragRequests.SeedLatentAsync(server.Client, FixtureModelServer.ModelName);
        using var drag = await DragSession.StartAsync(server.Client, DragRequests.Start(FixtureModelServer.ModelName, latent,
            new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 }, DragRequests.Pair(100, 128, 130, 128)));
        await drag.ReadUntilAsync(f => f.Step >= 3);

        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");

        // Other test servers in this process publish to meters of the same name: values are at least this server's.
        Assert.Matches(@"(?m)^draggan_inference_active_streams\{[^}]*kind=""drag""[^}]*\} [1-9]", text);
        Assert.Matches(@"(?m)^draggan_inference_steps_total\{[^}]*kind=""drag""[^}]*model=""tiny""[^}]*\} [1-9]", text);
        Assert.Contains("draggan_inference_step_seconds_bucket{", text);
        Assert.Contains("draggan_inference_batch_size_bucket{", text);
        Assert.Contains("draggan_inference_frame_queue_depth", text);
    }
}

[CollectionDefinition(nameof(MetricsTests), DisableParallelization = true)]
public sealed class MetricsTestsCollection;

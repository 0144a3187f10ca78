using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;

namespace DragGan.Inference.Tests;

/// <summary>
/// The Prometheus endpoint on the metrics port, scraped over plain HTTP/1.1 as Prometheus does.
/// Every exporter in a process also counts what the other servers of this test process record
/// under the same meter names, so the values this server alone moved are read from its own meter.
/// </summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task MetricsEndpoint_ExposesStreamsStepsLatencyAndBatchSize()
    {
        var port = FreePort.Next();
        await using var server = await CustomFixtureServer.StartAsync(("Inference:MetricsPort", port.ToString()));
        var latent = await DragRequests.SeedLatentAsync(server.Client, FixtureModelServer.ModelName);
        using var activeStreams = new InstrumentRecorder<long>(server, "draggan_inference_active_streams");
        using var drag = await DragSession.StartAsync(server.Client, DragRequests.Start(FixtureModelServer.ModelName, latent,
            new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 }, DragRequests.Pair(100, 128, 130, 128)));
        await drag.ReadUntilAsync(f => f.Step >= 3);

        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");

        // This server counted its one open stream; the exported gauge also sums other servers' opens
        // and closes since this exporter began listening, so it may read anything there.
        Assert.Equal([1L], activeStreams.Values);
        Assert.Matches(@"(?m)^draggan_inference_active_streams\{[^}]*kind=""drag""[^}]*\} -?\d+", text);
        // Counters only grow: at least this server's steps.
        Assert.Matches(@"(?m)^draggan_inference_steps_total\{[^}]*kind=""drag""[^}]*model=""tiny""[^}]*\} [1-9]", text);
        Assert.Contains("draggan_inference_step_seconds_bucket{", text);
        Assert.Contains("draggan_inference_batch_size_bucket{", text);
        Assert.Contains("draggan_inference_frame_queue_depth", text);
    }

    [Fact]
    public async Task ModelSeconds_CountTheTimeEachTenantsCallsHeldTheModel()
    {
        var port = FreePort.Next();
        await using var server = await CustomFixtureServer.StartAsync(("Inference:MetricsPort", port.ToString()));
        // A name no other test's server uses: the exporter's sum for it is this server's alone.
        var tenant = $"metered-{Guid.NewGuid():N}";
        var headers = new Grpc.Core.Metadata { { DragGan.Contracts.TenantMetadata.Header, tenant } };
        var request = new GenerateRequest { Model = FixtureModelServer.ModelName, Seed = new SeedSource { Seed = 5 }, Image = new ImageOptions { Encoding = ImageEncoding.RawRgb } };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
            await server.Client.GenerateAsync(request, headers);
        var wall = clock.Elapsed.TotalSeconds;

        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");

        var line = System.Text.RegularExpressions.Regex.Match(text,
            $@"(?m)^draggan_inference_model_seconds_total\{{[^}}]*tenant=""{tenant}""[^}}]*\}} (\S+)");
        Assert.True(line.Success, "no model seconds for the tenant");
        var seconds = double.Parse(line.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // Three forwards took some time, and no more than the calls' wall time.
        Assert.InRange(seconds, 1e-4, wall);
        Assert.Contains("model=\"tiny\"", line.Value);
    }
}

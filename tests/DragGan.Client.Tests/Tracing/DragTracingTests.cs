using System.Diagnostics;
using DragGan.Client.Tests.Support;
using DragGan.Protos.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Serilog.Core;

namespace DragGan.Client.Tests.Tracing;

/// <summary>
/// OpenTelemetry across the client and both services, on loopback: a process of its own would be
/// each party's, here they share one, so every span is recorded by in-memory exporters (the
/// client's tracer provider and each host's) and kept once. One drag must be one trace, from the
/// client's call through the session service's drag run to the inference replica's batch steps,
/// with W3C trace context carried over gRPC, and the hosts' logs must carry its trace id.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class DragTracingTests : IAsyncLifetime
{
    private const uint Steps = 3;

    private readonly RecordedSpans _spans = new();
    private readonly RecordedLogs _logs = new();
    private readonly ServiceHosts _hosts;
    private readonly TracerProvider _clientTracing;

    public DragTracingTests()
    {
        _hosts = new ServiceHosts
        {
            ConfigureHosts = builder =>
            {
                builder.Configuration.AddInMemoryCollection([new("Serilog:MinimumLevel:Default", "Information")]);
                builder.Services.AddSingleton<ILogEventSink>(_logs);
                builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));
            },
        };
        // The client application's own provider: its operation around the calls, and the calls.
        _clientTracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(ClientOperations.Name)
            .AddSource(DragGanClient.TraceSources)
            .AddInMemoryExporter(_spans)
            .Build();
    }

    public Task InitializeAsync() => _hosts.InitializeAsync();

    public async Task DisposeAsync()
    {
        _clientTracing.Dispose();
        await _hosts.DisposeAsync();
    }

    [Fact]
    public async Task OneDrag_IsOneTraceFromTheClientThroughBothServices()
    {
        using var client = _hosts.Client();
        var session = await client.CreateFromSeedAsync(42);

        SessionDrag drag;
        ActivityTraceId trace;
        using (var operation = ClientOperations.StartActivity("edit"))
        {
            Assert.NotNull(operation);
            trace = operation.TraceId;
            drag = await client.StartDragAsync(Drags.Start(session.Id, Steps));
            var (_, result) = await Drags.RunToEndAsync(drag);
            Assert.True(result.HasCommittedEntryId);
            await drag.DisposeAsync();
        }

        // The client's span of the Drag call, under the caller's operation.
        var root = await WaitForAsync(() => _spans.FirstOrDefault(s =>
            s.OperationName == "Grpc.Net.Client.GrpcOut" && (string?)s.GetTagItem("grpc.method") == "/draggan.v1.Sessions/Drag"));
        Assert.Equal(trace, root.TraceId);
        Assert.Equal(Assert.Single(_spans.Of(trace), s => s.Source.Name == ClientOperations.Name).SpanId, root.ParentSpanId);
        var spans = await WaitForAsync(() =>
        {
            var recorded = _spans.Of(trace);
            return recorded.Count(s => s.OperationName == "drag batch step") >= Steps && recorded.Any(s => s.OperationName == "drag run") ? recorded : null;
        });

        // The session service's server span is the child of the call's HTTP request: traceparent crossed the wire.
        var sessionsCall = Assert.Single(spans, s => s.Kind == ActivityKind.Server && (string?)s.GetTagItem("url.path") == "/draggan.v1.Sessions/Drag");
        Assert.Equal(root.SpanId, HttpRequestOf(sessionsCall, spans).ParentSpanId);

        // Its drag run, and the inference stream the run opened, with replica, model and failovers.
        var run = Assert.Single(spans, s => s.OperationName == "drag run");
        Assert.Equal(SessionsTracingSource, run.Source.Name);
        Assert.Equal(sessionsCall.SpanId, run.ParentSpanId);
        Assert.Equal(DemoModelName, run.GetTagItem("draggan.model"));
        Assert.Equal(0, run.GetTagItem("draggan.failovers"));
        Assert.Equal("committed", run.GetTagItem("draggan.outcome"));
        Assert.Equal(drag.DragId, run.GetTagItem("draggan.drag_id"));
        var stream = Assert.Single(spans, s => s.OperationName == "inference stream");
        Assert.Equal(run.SpanId, stream.ParentSpanId);
        var replica = Assert.IsType<string>(stream.GetTagItem("draggan.replica"));
        Assert.Equal(replica, run.GetTagItem("draggan.replica"));
        Assert.Equal(false, stream.GetTagItem("draggan.resumed"));

        // The session service's call to the replica, and the replica's server span under it.
        var inferenceCall = Assert.Single(spans, s => s.OperationName == "Grpc.Net.Client.GrpcOut" && (string?)s.GetTagItem("grpc.method") == "/draggan.v1.Inference/Drag");
        Assert.Equal(stream.SpanId, inferenceCall.ParentSpanId);
        var inferenceServer = Assert.Single(spans, s => s.Kind == ActivityKind.Server && (string?)s.GetTagItem("url.path") == "/draggan.v1.Inference/Drag");
        Assert.Equal(inferenceCall.SpanId, HttpRequestOf(inferenceServer, spans).ParentSpanId);
        Assert.Equal($"http://{inferenceServer.GetTagItem("server.address")}:{inferenceServer.GetTagItem("server.port")}", replica);

        // Every step of this drag (the only one running) is a batch step of one edit in its trace.
        var steps = spans.Where(s => s.OperationName == "drag batch step").ToList();
        Assert.True(steps.Count >= Steps, $"{steps.Count} batch steps");
        Assert.All(steps, step =>
        {
            Assert.Equal(inferenceServer.SpanId, step.ParentSpanId);
            Assert.Equal(1, step.GetTagItem("draggan.batch_size"));
            Assert.Equal(DemoModelName, step.GetTagItem("draggan.model"));
            Assert.InRange(Assert.IsType<double>(step.GetTagItem("draggan.step_seconds")), 1e-6, 600);
            Assert.Equal(inferenceServer.Context, Assert.Single(step.Links).Context);
        });

        // The session service's own log lines about this drag carry its trace id.
        var started = Assert.Single(_logs.Events, e => e.MessageTemplate.Text.StartsWith("Drag {DragId} of session {SessionId} {Verb} on {Replica}", StringComparison.Ordinal)
            && e.Properties["DragId"].ToString() == $"\"{drag.DragId}\"");
        Assert.Equal(trace, started.TraceId);
        Assert.Equal(stream.SpanId, started.SpanId);
    }

    private const string SessionsTracingSource = "DragGan.Sessions";

    private static readonly ActivitySource ClientOperations = new("DragGan.Client.Tests");
    private const string DemoModelName = Engine.Models.DemoModel.Name;

    /// <summary>The HTTP/2 request span that is <paramref name="server"/>'s parent (the callee's view of the call).</summary>
    private static Activity HttpRequestOf(Activity server, List<Activity> spans)
    {
        var request = Assert.Single(spans, s => s.SpanId == server.ParentSpanId);
        Assert.Equal(("System.Net.Http", ActivityKind.Client), (request.Source.Name, request.Kind));
        return request;
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe) where T : class
    {
        // Server spans end just after the client sees the call end.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (probe() is { } found)
                return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("The expected spans were not recorded within 30 s.");
            await Task.Delay(100);
        }
    }
}

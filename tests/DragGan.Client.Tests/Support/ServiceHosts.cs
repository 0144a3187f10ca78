using DragGan.Inference;
using DragGan.Sessions;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DragGan.Client.Tests.Support;

/// <summary>
/// The real services on loopback, in-process: the inference host serving the demo model (256 px,
/// untrained) and the session service on a SQLite file, with API keys required (no anonymous
/// tenant) and a <see cref="FaultInjector"/> in front of its handlers. Shared by the tests of the
/// collection, which run one at a time.
/// </summary>
public sealed class ServiceHosts : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("draggan-client-tests-").FullName;
    private WebApplication? _inference;
    private WebApplication? _sessions;

    /// <summary>The session service's gRPC endpoint, http://127.0.0.1:PORT.</summary>
    public string Address { get; private set; } = "";

    public FaultInjector Faults { get; } = new();

    /// <summary>Runs on both hosts' builders after the test settings (a test's own hosts, e.g. with trace exporters).</summary>
    public Action<WebApplicationBuilder>? ConfigureHosts { get; init; }

    public async Task InitializeAsync()
    {
        _inference = InferenceHost.CreateApplication(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(
            [
                new("Serilog:MinimumLevel:Default", "Warning"),
                // No Prometheus listener: its fixed port would collide with other test hosts.
                new("Inference:MetricsPort", "0"),
                // The tests count a drag's stored frames: on a busy machine the session service may
                // fall more than the default 4 frames behind, and the inference tests cover dropping.
                new("Inference:FrameQueueCapacity", "64"),
                // The tests' points are on the demo model's 256 px images; the face model is the
                // service's own default (covered by the inference and session tests).
                new("ModelRegistry:IncludeFacesModel", "false"),
            ]);
            ConfigureHosts?.Invoke(builder);
        });
        await _inference.StartAsync();

        var port = FreePort.Next();
        Address = $"http://127.0.0.1:{port}";
        _sessions = SessionsHost.CreateApplication([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(
            [
                new("Serilog:MinimumLevel:Default", "Warning"),
                new("Kestrel:Endpoints:Grpc:Url", Address),
                new("Kestrel:Endpoints:Grpc:Protocols", "Http2"),
                new("Sessions:InferenceAddress", _inference.Urls.Single()),
                new("Sessions:Store", "sqlite"),
                new("Sessions:SqlitePath", Path.Combine(_folder, "sessions.db")),
                .. TestKeys.Settings,
            ]);
            builder.Services.AddSingleton(Faults);
            // Runs before the host's own interceptors: an injected status reaches the client as it is.
            builder.Services.Configure<GrpcServiceOptions>(grpc => grpc.Interceptors.Add<FaultInjectionInterceptor>());
            ConfigureHosts?.Invoke(builder);
        });
        await _sessions.StartAsync();
    }

    /// <summary>A client of the session service with <paramref name="apiKey"/> and <paramref name="configure"/>'s options.</summary>
    public DragGanClient Client(string? apiKey = TestKeys.AlphaKey, Action<DragGanClientOptions>? configure = null)
    {
        var options = new DragGanClientOptions { Address = new Uri(Address), ApiKey = apiKey };
        configure?.Invoke(options);
        return DragGanClient.Create(options);
    }

    public async Task DisposeAsync()
    {
        foreach (var app in new[] { _sessions, _inference })
        {
            if (app is null)
                continue;
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>Test classes that talk to the services share one pair of hosts (the demo model loads once) and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ServicesCollection : ICollectionFixture<ServiceHosts>
{
    public const string Name = "services";
}

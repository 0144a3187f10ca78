using DragGan.Inference;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using InferenceClient = DragGan.Protos.V1.Inference.InferenceClient;

namespace DragGan.Inference.Tests.Support;

/// <summary>
/// The real inference host (built by <see cref="InferenceHost.CreateApplication"/>), listening on
/// 127.0.0.1 at a port the OS picks, with a gRPC channel to it.
/// </summary>
public abstract class InferenceServer : IAsyncLifetime, IAsyncDisposable
{
    private WebApplication? _app;

    public GrpcChannel Channel { get; private set; } = null!;

    public InferenceClient Client { get; private set; } = null!;

    /// <summary>The host's services, for looking at the scheduler's state.</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>The address Kestrel bound, e.g. http://127.0.0.1:41234.</summary>
    public string Address { get; private set; } = "";

    /// <summary>Configuration on top of the service's own (appsettings.json and the defaults).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    public async Task InitializeAsync()
    {
        _app = InferenceHost.CreateApplication(["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection(
            [
                new("Serilog:MinimumLevel:Default", "Warning"),
                .. Settings,
            ]));
        await _app.StartAsync();
        Address = _app.Urls.Single();
        Assert.StartsWith("http://127.0.0.1:", Address);
        Channel = GrpcChannel.ForAddress(Address);
        Client = new InferenceClient(Channel);
    }

    /// <summary>Stops the host as an orchestrator would (SIGTERM): drains, then shuts down.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
            await _app.StopAsync();
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }
}

/// <summary>The service with the built-in face model turned off: the untrained demo model alone, the default.</summary>
public sealed class DemoServer : InferenceServer
{
    /// <summary>A small receive limit, so that a test can cross it cheaply.</summary>
    public const int MaxReceiveMessageBytes = 64 * 1024;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ModelRegistry:IncludeFacesModel", "false"),
        new("Inference:MaxReceiveMessageBytes", MaxReceiveMessageBytes.ToString()),
        new("Inference:MetricsPort", "0"),
    ];
}

/// <summary>The service as it runs with no model configuration: the built-in face model (the default) and the demo model.</summary>
public sealed class DefaultModelsServer : InferenceServer
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Inference:MetricsPort", "0"),
    ];
}

/// <summary>The service with the reference fixture checkpoint configured as model "tiny".</summary>
public class FixtureModelServer : InferenceServer
{
    public const string ModelName = "tiny";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ModelRegistry:Models:tiny:Path", Path.GetFullPath(Engine.Tests.Support.TestFixtures.TinyStyleGan2Pickle)),
        new("ModelRegistry:Models:tiny:Description", "The reference fixture checkpoint"),
        new("Inference:MetricsPort", "0"),
    ];
}

/// <summary>
/// The fixture model server with extra settings, for tests that need their own instance (limits,
/// timeouts, shutdown). Start it with <c>await using</c>-style InitializeAsync/DisposeAsync.
/// </summary>
public sealed class CustomFixtureServer(params (string Key, string Value)[] settings) : FixtureModelServer
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings
    {
        get
        {
            var merged = base.Settings.ToDictionary();
            foreach (var (key, value) in settings)
                merged[key] = value;
            return merged;
        }
    }

    public static async Task<CustomFixtureServer> StartAsync(params (string Key, string Value)[] settings)
    {
        var server = new CustomFixtureServer(settings);
        await server.InitializeAsync();
        return server;
    }
}

/// <summary>
/// The service with a model "broken" whose file exists but is no checkpoint, beside the demo
/// model (the default).
/// </summary>
public sealed class BrokenModelServer : InferenceServer, IDisposable
{
    public const string ModelName = "broken";

    /// <summary>The unreadable checkpoint the model is configured with.</summary>
    public string FilePath { get; } = WriteGarbage();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ModelRegistry:Models:broken:Path", FilePath),
        new("ModelRegistry:DefaultModel", Engine.Models.DemoModel.Name),
        new("Inference:MetricsPort", "0"),
    ];

    public void Dispose() => File.Delete(FilePath);

    private static string WriteGarbage()
    {
        var path = Path.Combine(Path.GetTempPath(), $"draggan-broken-{Guid.NewGuid():N}.pkl");
        File.WriteAllBytes(path, "this is not a checkpoint"u8.ToArray());
        return path;
    }
}

/// <summary>
/// The service with the StyleGAN-Human fixture as model "human" and the TF-era StyleGAN2 fixture
/// as model "tf-cats"; the files sit in folders whose names would mislead a loader that goes by path.
/// </summary>
public sealed class KindModelServer : InferenceServer, IDisposable
{
    public const string HumanModel = "human";
    public const string TfModel = "tf-cats";

    private readonly string _directory = Directory.CreateTempSubdirectory("draggan-kinds-").FullName;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ModelRegistry:Models:human:Path", Copy(Engine.Tests.Support.TestFixtures.StyleGanHumanPickle, "stylegan2/human.pkl")),
        new("ModelRegistry:Models:tf-cats:Path", Copy(Engine.Tests.Support.TestFixtures.StyleGan2TfPickle, "stylegan_human/cats.pkl")),
        new("Inference:MetricsPort", "0"),
    ];

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Copy(string source, string relative)
    {
        var path = Path.Combine(_directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
            File.Copy(source, path);
        return path;
    }
}

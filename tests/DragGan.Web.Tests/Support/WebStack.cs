using System.Security.Cryptography;
using System.Text;
using DragGan.Inference;
using DragGan.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Grpc.Net.Client;
using Microsoft.Playwright;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;

namespace DragGan.Web.Tests.Support;

/// <summary>
/// Everything a browser test talks to, on loopback: the inference host serving the demo model
/// (256 px), the session host in the Development environment (anonymous tenant, SQLite in a
/// temporary file) serving the built web client, and headless Chromium under Playwright. Calls
/// without a key act for the anonymous tenant; <see cref="ApiKey"/> is the key of tenant "browser".
/// </summary>
public sealed class WebStack : IAsyncLifetime
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"draggan-web-tests-{Guid.NewGuid():N}.db");
    private WebApplication? _inference;
    private WebApplication? _sessions;
    private IPlaywright? _playwright;
    private GrpcChannel? _channel;

    /// <summary>The session service's HTTP/1.1 endpoint: the page and its gRPC-Web calls.</summary>
    public string WebAddress { get; private set; } = "";

    /// <summary>A valid API key (tenant "browser"), for the tests of how the page keeps a key.</summary>
    public string ApiKey { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    /// <summary>A gRPC client of the same service (HTTP/2), to check what the page did.</summary>
    public SessionsClient Sessions { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Checked first: without them nothing below is worth starting.
        var chromium = Prerequisites.Chromium();
        var webRoot = Prerequisites.BuiltWebClient();

        _inference = InferenceHost.CreateApplication(["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection([
                new("Serilog:MinimumLevel:Default", "Warning"),
                new("Inference:MetricsPort", "0"),
            ]));
        await _inference.StartAsync();

        var grpcPort = FreePort.Next();
        var webPort = FreePort.Next();
        _sessions = SessionsHost.CreateApplication(["--environment", "Development"], builder =>
            builder.Configuration.AddInMemoryCollection([
                new("Serilog:MinimumLevel:Default", "Warning"),
                new("Kestrel:Endpoints:Grpc:Url", $"http://127.0.0.1:{grpcPort}"),
                new("Kestrel:Endpoints:Grpc:Protocols", "Http2"),
                new("Kestrel:Endpoints:Web:Url", $"http://127.0.0.1:{webPort}"),
                new("Kestrel:Endpoints:Web:Protocols", "Http1"),
                new("Sessions:AllowAnonymous", "true"),
                new("Sessions:ApiKeys:0:Tenant", "browser"),
                new("Sessions:ApiKeys:0:KeyHash", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ApiKey)))),
                new("Sessions:Store", "Sqlite"),
                new("Sessions:SqlitePath", _database),
                new("Sessions:InferenceAddress", _inference.Urls.Single()),
                new("Sessions:WebRoot", webRoot),
            ]));
        await _sessions.StartAsync();
        WebAddress = $"http://127.0.0.1:{webPort}";
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        Sessions = new SessionsClient(_channel);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
        });
    }

    /// <summary>A page in a fresh browser context that accepts downloads, with generous timeouts for a loaded CI machine.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(60_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.CloseAsync();
        _playwright?.Dispose();
        _channel?.Dispose();
        foreach (var app in new[] { _sessions, _inference })
        {
            if (app is null)
                continue;
            await app.StopAsync();
            await app.DisposeAsync();
        }
        foreach (var file in new[] { _database, _database + "-wal", _database + "-shm" })
            File.Delete(file);
    }
}

/// <summary>The browser tests share one stack: the services, the demo model and Chromium start once.</summary>
[CollectionDefinition(Name)]
public sealed class WebStackCollection : ICollectionFixture<WebStack>
{
    public const string Name = "web stack";
}

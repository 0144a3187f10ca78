using DragGan.Sessions.Domain;
using DragGan.Sessions.Storage;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;

namespace DragGan.Sessions.Tests.Support;

/// <summary>
/// The real session host (<see cref="SessionsHost.CreateApplication"/>) on two free loopback
/// ports (gRPC over HTTP/2, gRPC-Web over HTTP/1.1), with clients that send an API key.
/// </summary>
public sealed class SessionsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;
    private readonly GrpcChannel _webChannel;

    private SessionsServer(WebApplication app, string grpcAddress, string webAddress)
    {
        _app = app;
        GrpcAddress = grpcAddress;
        WebAddress = webAddress;
        _channel = GrpcChannel.ForAddress(grpcAddress);
        _webChannel = GrpcChannel.ForAddress(webAddress, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, new HttpClientHandler()),
            // As a browser would: gRPC-Web over HTTP/1.1.
            HttpVersion = System.Net.HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
    }

    public string GrpcAddress { get; }

    public string WebAddress { get; }

    public GrpcChannel Channel => _channel;

    public IServiceProvider Services => _app.Services;

    /// <summary>The internal API phase-two code calls (commits drags and so on).</summary>
    public SessionEditor Editor => Services.GetRequiredService<SessionEditor>();

    public ISessionStore Store => Services.GetRequiredService<ISessionStore>();

    /// <summary>Starts a host with the test tenants' keys, quiet logs, and <paramref name="settings"/> on top.</summary>
    public static async Task<SessionsServer> StartAsync(IEnumerable<KeyValuePair<string, string?>> settings, string[]? args = null)
    {
        // A free port can be taken by a parallel test between the probe and the bind: probe again.
        for (var attempt = 1; ; attempt++)
        {
            var grpcPort = FreePort.Next();
            var webPort = FreePort.Next();
            var app = SessionsHost.CreateApplication(args ?? [], builder => builder.Configuration.AddInMemoryCollection(
            [
                new("Serilog:MinimumLevel:Default", "Warning"),
                new("Kestrel:Endpoints:Grpc:Url", $"http://127.0.0.1:{grpcPort}"),
                new("Kestrel:Endpoints:Grpc:Protocols", "Http2"),
                new("Kestrel:Endpoints:Web:Url", $"http://127.0.0.1:{webPort}"),
                new("Kestrel:Endpoints:Web:Protocols", "Http1"),
                .. TestTenants.ApiKeySettings,
                .. settings,
            ]));
            try
            {
                await app.StartAsync();
                return new SessionsServer(app, $"http://127.0.0.1:{grpcPort}", $"http://127.0.0.1:{webPort}");
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && attempt < 5)
            {
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>A client whose calls carry <c>authorization: Bearer &lt;apiKey&gt;</c> (none when null).</summary>
    public SessionsClient Client(string? apiKey = TestTenants.AlphaKey) => new(WithKey(_channel.CreateCallInvoker(), apiKey));

    /// <summary>The same over gRPC-Web on the HTTP/1.1 endpoint.</summary>
    public SessionsClient WebClient(string? apiKey = TestTenants.AlphaKey) => new(WithKey(_webChannel.CreateCallInvoker(), apiKey));

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        _webChannel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static CallInvoker WithKey(CallInvoker invoker, string? apiKey) => apiKey is null
        ? invoker
        : invoker.Intercept(metadata =>
        {
            metadata.Add("authorization", $"Bearer {apiKey}");
            return metadata;
        });
}

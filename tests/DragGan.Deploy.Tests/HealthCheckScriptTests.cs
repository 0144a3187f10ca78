using System.Net;
using DragGan.Deploy.Tests.Support;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace DragGan.Deploy.Tests;

/// <summary>
/// deploy/docker/grpc-health-check.sh (the inference image's HEALTHCHECK) against a real
/// grpc.health.v1 server on loopback, h2c as the inference service serves it.
/// </summary>
public sealed class HealthCheckScriptTests : IAsyncLifetime
{
    private static readonly string Script = Repo.Path("deploy", "docker", "grpc-health-check.sh");
    private readonly HealthServiceImpl _health = new();
    private WebApplication? _app;
    private string _address = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(_health);
        _app = builder.Build();
        _app.MapGrpcService<HealthServiceImpl>();
        await _app.StartAsync();
        _address = new Uri(_app.Urls.Single()).Authority;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }

    private Tools.Result Check() =>
        Tools.Run("bash", [Script], environment: new Dictionary<string, string?> { ["HEALTHCHECK_ADDRESS"] = _address });

    [Fact]
    public void Serving_Passes()
    {
        _health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        var result = Check();
        Assert.True(result.ExitCode == 0, result.Stderr);
    }

    [Fact]
    public void NotServing_Fails()
    {
        // What the inference service answers while it drains.
        _health.SetStatus("", HealthCheckResponse.Types.ServingStatus.NotServing);
        var result = Check();
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not serving", result.Stderr);
    }

    [Fact]
    public void UnknownStatus_Fails()
    {
        // No status registered: the server answers NOT_FOUND in the trailers and no message.
        var result = Check();
        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public async Task NoServer_Fails()
    {
        _health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        await _app!.StopAsync();
        Assert.NotEqual(0, Check().ExitCode);
    }
}

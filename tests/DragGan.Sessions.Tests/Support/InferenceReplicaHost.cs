using DragGan.Engine.Models;
using DragGan.Inference;
using DragGan.Inference.Streaming;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DragGan.Sessions.Tests.Support;

/// <summary>
/// A real inference host of the test's own (the demo model), for tests that count its open
/// streams or take it away; the shared <see cref="InferenceServer"/> serves other tests at the same time.
/// </summary>
public sealed class InferenceReplicaHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private InferenceReplicaHost(WebApplication app)
    {
        _app = app;
        Address = app.Urls.Single();
    }

    public string Address { get; }

    /// <summary>The replica's services, for tests that look into its gates.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Drag and Invert streams open on the replica now.</summary>
    public int ActiveStreams => _app.Services.GetRequiredService<StreamAdmission>().Active;

    public static async Task<InferenceReplicaHost> StartAsync(params KeyValuePair<string, string?>[] settings)
    {
        var app = CreateApplication(settings);
        await app.StartAsync();
        // Describing a pickled checkpoint means loading it: done here, before any session service
        // asks, so that a loaded machine cannot push the replica's first ListModels past the
        // session service's deadline (which would set the replica aside for a while).
        app.Services.GetRequiredService<IModelRegistry>().List();
        return new InferenceReplicaHost(app);
    }

    /// <summary>
    /// An inference host on a free loopback port, not started, for tests that manage the host
    /// themselves: no metrics listener, no shutdown drain, the demo model (256 px) as the default,
    /// then <paramref name="settings"/> on top (a test turns the face model back on).
    /// </summary>
    public static WebApplication CreateApplication(params KeyValuePair<string, string?>[] settings) =>
        InferenceHost.CreateApplication(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration
            .AddInMemoryCollection(
            [
                new("Serilog:MinimumLevel:Default", "Warning"),
                new("Inference:MetricsPort", "0"),
                new("Inference:ShutdownDrainSeconds", "0"),
                new("ModelRegistry:IncludeFacesModel", "false"),
            ])
            .AddInMemoryCollection(settings));

    /// <summary>Waits until <paramref name="count"/> streams are open (a test's drag reached the replica, or ended).</summary>
    public async Task WaitForStreamsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (ActiveStreams != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"expected {count} open inference streams, there are {ActiveStreams}");
            await Task.Delay(50);
        }
    }

    /// <summary>Takes the replica away without a drain: its connections are cut.</summary>
    public async Task KillAsync()
    {
        _stopped = true;
        await _app.StopAsync(new CancellationToken(true));
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

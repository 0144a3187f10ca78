using Microsoft.AspNetCore.Builder;

namespace DragGan.Sessions.Tests.Support;

/// <summary>
/// The real inference host on 127.0.0.1 at a port the OS picks, serving the built-in demo model
/// alone (256 px, untrained: Generate takes a fraction of a second on CPU; the face model, the
/// service's own default, is turned off so that the tests' pixel coordinates fit). One per test collection.
/// </summary>
public sealed class InferenceServer : IAsyncLifetime
{
    private WebApplication? _app;

    /// <summary>The address Kestrel bound, e.g. http://127.0.0.1:41234.</summary>
    public string Address { get; private set; } = "";

    /// <summary>The host's services (its model gates, to hold the drag loop still).</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync()
    {
        _app = InferenceReplicaHost.CreateApplication();
        await _app.StartAsync();
        Address = _app.Urls.Single();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

/// <summary>Test classes that talk to the inference server share one (its demo model loads once).</summary>
[CollectionDefinition(Name)]
public sealed class InferenceCollection : ICollectionFixture<InferenceServer>
{
    public const string Name = "inference";
}

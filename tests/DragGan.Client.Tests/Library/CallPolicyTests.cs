using System.Diagnostics;
using DragGan.Client.Tests.Support;
using DragGan.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace DragGan.Client.Tests.Library;

/// <summary>How <see cref="DragGanClient"/> makes its calls: the API key, retries of safe calls only, deadlines, and the dependency-injection registration.</summary>
[Collection(ServicesCollection.Name)]
public sealed class CallPolicyTests : IDisposable
{
    private readonly ServiceHosts _hosts;

    public CallPolicyTests(ServiceHosts hosts)
    {
        _hosts = hosts;
        hosts.Faults.Reset();
    }

    public void Dispose() => _hosts.Faults.Reset();

    [Fact]
    public async Task TheApiKey_IsSentAsABearerToken_AndSelectsTheTenant()
    {
        using var alpha = _hosts.Client(TestKeys.AlphaKey);
        using var beta = _hosts.Client(TestKeys.BetaKey);
        using var anonymous = _hosts.Client(apiKey: null);
        using var wrong = _hosts.Client("not-a-configured-key");

        var session = await alpha.CreateFromSeedAsync(1);

        Assert.Equal($"Bearer {TestKeys.AlphaKey}", _hosts.Faults.LastAuthorization("CreateSession"));
        Assert.Equal(session.Id, (await alpha.GetSessionAsync(session.Id)).Id);
        // Another tenant's key cannot see it; no key or an unknown one is refused.
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => beta.GetSessionAsync(session.Id))).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => anonymous.ListModelsAsync())).StatusCode);
        Assert.Null(_hosts.Faults.LastAuthorization("ListModels"));
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => wrong.ListModelsAsync())).StatusCode);
        // A drag stream carries it too.
        await using var drag = await alpha.StartDragAsync(Drags.Start(session.Id, maxSteps: 1));
        Assert.Equal($"Bearer {TestKeys.AlphaKey}", _hosts.Faults.LastAuthorization("Drag"));
        await Drags.RunToEndAsync(drag);
    }

    [Fact]
    public async Task SafeCalls_AreRetriedOnUnavailable()
    {
        using var client = _hosts.Client();
        var session = await client.CreateFromSeedAsync(2);

        _hosts.Faults.Fail("GetSession", StatusCode.Unavailable);
        _hosts.Faults.Fail("ExportImage", StatusCode.Unavailable, times: 2);
        _hosts.Faults.Fail("ListModels", StatusCode.Unavailable);

        Assert.Equal(session.Id, (await client.GetSessionAsync(session.Id)).Id);
        Assert.NotEmpty(await client.ExportPngAsync(session.Id));
        Assert.NotEmpty((await client.ListModelsAsync()).Models);
        Assert.Equal((2, 3, 2), (_hosts.Faults.Calls("GetSession"), _hosts.Faults.Calls("ExportImage"), _hosts.Faults.Calls("ListModels")));
    }

    [Fact]
    public async Task CallsThatChangeState_AreNotRetried()
    {
        using var client = _hosts.Client();
        var session = await client.CreateFromSeedAsync(2);
        _hosts.Faults.Reset();
        _hosts.Faults.Fail("CreateSession", StatusCode.Unavailable);
        _hosts.Faults.Fail("Undo", StatusCode.Unavailable);
        _hosts.Faults.Fail("Drag", StatusCode.Unavailable);
        _hosts.Faults.Fail("CreateSessionWithProgress", StatusCode.Unavailable);

        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => client.CreateFromSeedAsync(3))).StatusCode);
        var withProgress = new CreateSessionRequest { Seed = new SeedSessionSource { Seed = 3 } };
        Assert.Equal(StatusCode.Unavailable,
            (await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(withProgress, new Progress<InversionProgress>()))).StatusCode);
        Assert.Equal(1, _hosts.Faults.Calls("CreateSessionWithProgress"));
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => client.UndoAsync(session.Id))).StatusCode);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => client.StartDragAsync(Drags.Start(session.Id, maxSteps: 1)))).StatusCode);
        Assert.Equal((1, 1, 1), (_hosts.Faults.Calls("CreateSession"), _hosts.Faults.Calls("Undo"), _hosts.Faults.Calls("Drag")));
    }

    [Fact]
    public async Task Retries_GiveUpAfterMaxAttempts()
    {
        using var once = _hosts.Client(configure: o => o.MaxAttempts = 1);
        using var twice = _hosts.Client(configure: o => o.MaxAttempts = 2);

        _hosts.Faults.Fail("ListModels", StatusCode.Unavailable, times: 5);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => once.ListModelsAsync())).StatusCode);
        Assert.Equal(1, _hosts.Faults.Calls("ListModels"));
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => twice.ListModelsAsync())).StatusCode);
        Assert.Equal(3, _hosts.Faults.Calls("ListModels"));
    }

    [Fact]
    public async Task TheTimeout_IsEachCallsDeadline()
    {
        using var client = _hosts.Client(configure: o => o.Timeout = TimeSpan.FromMilliseconds(300));
        _hosts.Faults.Delay("ListModels", TimeSpan.FromSeconds(5));

        var clock = Stopwatch.StartNew();
        var late = await Assert.ThrowsAsync<RpcException>(() => client.ListModelsAsync());

        Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"gave up after {clock.Elapsed}");
        // The deadline is per call: the next one has its own.
        _hosts.Faults.Reset();
        Assert.NotEmpty((await client.ListModelsAsync()).Models);
    }

    [Fact]
    public async Task ACancelledToken_CancelsTheCall()
    {
        using var client = _hosts.Client();
        _hosts.Faults.Delay("ListModels", TimeSpan.FromSeconds(5));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ListModelsAsync(cancel.Token));
    }

    [Fact]
    public async Task AddDragGanClient_RegistersAClientWithTheKeyRetriesAndTimeout()
    {
        var services = new ServiceCollection();
        services.AddDragGanClient(options =>
        {
            options.Address = new Uri(_hosts.Address);
            options.ApiKey = TestKeys.BetaKey;
            // Room for a cold first call (the service asks the inference replicas for models), short of the 5 s delay below.
            options.Timeout = TimeSpan.FromSeconds(2);
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<DragGanClient>();

        _hosts.Faults.Fail("ListModels", StatusCode.Unavailable);
        Assert.NotEmpty((await client.ListModelsAsync()).Models);
        Assert.Equal(2, _hosts.Faults.Calls("ListModels"));
        Assert.Equal($"Bearer {TestKeys.BetaKey}", _hosts.Faults.LastAuthorization("ListModels"));

        _hosts.Faults.Delay("GetSession", TimeSpan.FromSeconds(5));
        Assert.Equal(StatusCode.DeadlineExceeded, (await Assert.ThrowsAsync<RpcException>(() => client.GetSessionAsync("any"))).StatusCode);
    }

    [Fact]
    public void Options_AreChecked()
    {
        Assert.Throws<ArgumentException>(() => DragGanClient.Create(new DragGanClientOptions { Address = new Uri("ftp://host") }));
        Assert.Throws<ArgumentException>(() => DragGanClient.Create(new DragGanClientOptions { ApiKey = "" }));
        Assert.Throws<ArgumentException>(() => DragGanClient.Create(new DragGanClientOptions { Timeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => DragGanClient.Create(new DragGanClientOptions { MaxAttempts = 6 }));
        using var infinite = DragGanClient.Create(new DragGanClientOptions { Timeout = Timeout.InfiniteTimeSpan });

        var services = new ServiceCollection();
        services.AddDragGanClient(options => options.MaxAttempts = 0);
        using var provider = services.BuildServiceProvider();
        Assert.Throws<ArgumentException>(() => provider.GetRequiredService<DragGanClient>());
    }
}

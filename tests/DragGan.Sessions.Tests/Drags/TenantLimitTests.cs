using DragGan.Protos.V1;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Drags;

/// <summary>
/// Per-tenant limits across two session replicas sharing one Redis: a tenant at its limit of
/// drags, inversion steps or generations is refused (RESOURCE_EXHAUSTED) on every replica, while
/// another tenant's work goes on, and ended work gives its share back.
/// </summary>
public sealed class TenantLimitTests(RedisBackend backend) : IClassFixture<RedisBackend>, IAsyncLifetime
{
    private ReplicaStack _stack = null!;
    private InferenceReplicaHost _inference = null!;
    private SessionsServer _first = null!;
    private SessionsServer _second = null!;

    public async Task InitializeAsync()
    {
        _stack = await ReplicaStack.StartAsync(backend, sessionServices: 2,
        [
            new("Sessions:TenantLimits:Drags", "1"),
            new("Sessions:TenantLimits:Inversions", "4"),
            new("Sessions:TenantLimits:InversionSteps", "2000"),
            new("Sessions:TenantLimits:Generations", "1"),
        ]);
        (_inference, _first, _second) = (_stack.Inference, _stack.Sessions[0], _stack.Sessions[1]);
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task ADragBeyondTheTenantsLimit_IsRefusedOnAnyReplica_WhileAnotherTenantDrags()
    {
        var alpha = _first.Client();
        var alphaElsewhere = _second.Client();
        var running = await alpha.CreateAsync();
        var waiting = await alphaElsewhere.CreateAsync();
        var first = await alpha.StartDragAsync(new StartDragRequest { Start = EndlessStart(running.Id) });

        var refused = await Assert.ThrowsAsync<RpcException>(() => alphaElsewhere.StartDragAsync(new StartDragRequest { Start = EndlessStart(waiting.Id) }).ResponseAsync);
        var beta = _second.Client(TestTenants.BetaKey);
        var betaSession = await beta.CreateAsync();
        var betaDrag = await beta.StartDragAsync(new StartDragRequest { Start = EndlessStart(betaSession.Id) });

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("runs 1 drags, its limit", refused.Status.Detail);
        Assert.Null((await alphaElsewhere.GetSessionAsync(new GetSessionRequest { SessionId = waiting.Id })).ActiveDrag);

        // A stopped drag gives its share back.
        await alphaElsewhere.StopDragAsync(new StopDragRequest { SessionId = running.Id, DragId = first.ActiveDrag.DragId });
        var second = await alphaElsewhere.StartDragAsync(new StartDragRequest { Start = EndlessStart(waiting.Id) });
        await alpha.StopDragAsync(new StopDragRequest { SessionId = waiting.Id, DragId = second.ActiveDrag.DragId });
        await beta.StopDragAsync(new StopDragRequest { SessionId = betaSession.Id, DragId = betaDrag.ActiveDrag.DragId });
        await _inference.WaitForStreamsAsync(0);
    }

    [Fact]
    public async Task ALongInversion_TakesTheTenantsStepBudget_WhileAnotherTenantInverts()
    {
        var alpha = _first.Client();
        var image = (await _second.Client(TestTenants.BetaKey).CreateSessionAsync(FromSeed(3, new ImageOptions { Size = 64 }))).Image;
        using var cancelLong = new CancellationTokenSource();
        using var longInversion = alpha.CreateSessionAsync(FromImage(image, 10_000), cancellationToken: cancelLong.Token);
        await _inference.WaitForStreamsAsync(1);

        var refused = await Assert.ThrowsAsync<RpcException>(() => _second.Client().CreateSessionAsync(FromImage(image, 5)).ResponseAsync);
        var beta = await _second.Client(TestTenants.BetaKey).CreateSessionAsync(FromImage(image, 5));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("inversions of 10000 steps", refused.Status.Detail);
        Assert.Equal(HistoryEntryKind.Inverted, beta.Session.History[0].Kind);

        await cancelLong.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => longInversion.ResponseAsync);
        await _inference.WaitForStreamsAsync(0);
        // Its steps are given back once the call has ended on the service.
        var after = await RetryWhileExhaustedAsync(() => alpha.CreateSessionAsync(FromImage(image, 5)).ResponseAsync);
        Assert.Equal(HistoryEntryKind.Inverted, after.Session.History[0].Kind);
    }

    [Fact]
    public async Task AnUploadWithProgress_IsAdmittedAsCreateSession_AndGivesItsStepsBackWhenItsClientLeaves()
    {
        var alpha = _first.Client();
        var image = (await _second.Client(TestTenants.BetaKey).CreateSessionAsync(FromSeed(4, new ImageOptions { Size = 64 }))).Image;
        using var cancelLong = new CancellationTokenSource();
        using var longInversion = alpha.CreateSessionWithProgress(FromImage(image, 10_000), cancellationToken: cancelLong.Token);
        Assert.True(await longInversion.ResponseStream.MoveNext(cancelLong.Token));
        Assert.Equal(10_000u, longInversion.ResponseStream.Current.Inversion.TotalSteps);

        var refused = await Assert.ThrowsAsync<RpcException>(() => _second.Client().CreateSessionAsync(FromImage(image, 5)).ResponseAsync);
        var refusedStream = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = _second.Client().CreateSessionWithProgress(FromImage(image, 5));
            while (await call.ResponseStream.MoveNext(CancellationToken.None)) { }
        });

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal((refused.StatusCode, refused.Status.Detail), (refusedStream.StatusCode, refusedStream.Status.Detail));

        // The client leaves mid-inversion: the inversion stops, no session is made, the steps come back.
        await cancelLong.CancelAsync();
        await _inference.WaitForStreamsAsync(0);
        var after = await RetryWhileExhaustedAsync(() => alpha.CreateSessionAsync(FromImage(image, 5)).ResponseAsync);
        var sessions = (await alpha.ListSessionsAsync(new ListSessionsRequest())).Sessions;
        Assert.Equal([after.Session.Id], sessions.Select(s => s.Id));
    }

    [Fact]
    public async Task Generations_AreAdmittedAgainstTheTenantsLimit_CountedAcrossReplicas()
    {
        var alpha = _first.Client();
        var session = await alpha.CreateAsync();
        // A generation of alpha's running on another replica: its lease in the shared store.
        var leases = _second.Services.GetRequiredService<IWorkLeaseStore>();
        var elsewhere = new WorkLease(TestTenants.Alpha, WorkKind.Generation, "elsewhere", "another-replica", 1);
        Assert.True((await leases.TryAcquireAsync(elsewhere, 1, TimeSpan.FromMinutes(1), CancellationToken.None)).Granted);

        var create = await Assert.ThrowsAsync<RpcException>(() => alpha.CreateSessionAsync(FromSeed(8)).ResponseAsync);
        var export = await Assert.ThrowsAsync<RpcException>(() => alpha.ExportImageAsync(new ExportImageRequest { SessionId = session.Id }).ResponseAsync);
        var beta = await _first.Client(TestTenants.BetaKey).CreateAsync();

        Assert.Equal((StatusCode.ResourceExhausted, StatusCode.ResourceExhausted), (create.StatusCode, export.StatusCode));
        Assert.Contains("image generations", create.Status.Detail);
        Assert.NotEmpty(beta.Id);
        await leases.ReleaseAsync(elsewhere, CancellationToken.None);
        var exported = await alpha.ExportImageAsync(new ExportImageRequest { SessionId = session.Id });
        Assert.NotEmpty(exported.Image.Data);
    }

    private static CreateSessionRequest FromImage(EncodedImage image, uint steps) =>
        new() { Image = new ImageSessionSource { Image = image, Options = new InvertOptions { Steps = steps, PivotalTuning = false } } };

    private static async Task<T> RetryWhileExhaustedAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}

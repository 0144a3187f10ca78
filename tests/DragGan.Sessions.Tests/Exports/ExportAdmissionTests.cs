using DragGan.Protos.V1;
using DragGan.Sessions.Admission;
using DragGan.Sessions.Exports;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace DragGan.Sessions.Tests.Exports;

/// <summary>
/// ExportAnimation is admitted like a drag (<c>Sessions:ExportLimits</c>): a bound on the frames it
/// encodes and on its duration, checked before any encoding, and on the exports a tenant (across
/// replicas) and a replica run at once. Refusals are RESOURCE_EXHAUSTED naming the setting.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class ExportAdmissionTests(InferenceServer inference, SqliteBackend backend) : IClassFixture<SqliteBackend>
{
    [Fact]
    public async Task AnAnimationOfTooManyFramesOrTooLong_IsRefusedBeforeAnyEncoding()
    {
        await using var server = await StartAsync(("Sessions:ExportLimits:MaxFrames", "100"), ("Sessions:ExportLimits:MaxDurationMs", "30000"));
        var client = server.Client();
        var session = await CommitDragWithFramesAsync(server, client, TestTenants.Alpha);

        // 20 ms a frame and the last held for 60 s: 3 frames and 2999 repeats.
        var frames = await Assert.ThrowsAsync<RpcException>(() => client.ExportAnimationAsync(new ExportAnimationRequest
        {
            SessionId = session.Id, Format = AnimationFormat.Mp4, FrameDelayMs = 20, FinalFrameDelayMs = 60_000,
        }).ResponseAsync);
        var duration = await Assert.ThrowsAsync<RpcException>(() => client.ExportAnimationAsync(new ExportAnimationRequest
        {
            SessionId = session.Id, Format = AnimationFormat.Gif, FinalFrameDelayMs = 60_000,
        }).ResponseAsync);
        var allowed = await client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, Format = AnimationFormat.Gif });

        Assert.Equal(StatusCode.ResourceExhausted, frames.StatusCode);
        Assert.Contains("3002 frames", frames.Status.Detail);
        Assert.Contains("Sessions:ExportLimits:MaxFrames", frames.Status.Detail);
        Assert.Equal(StatusCode.ResourceExhausted, duration.StatusCode);
        Assert.Contains("Sessions:ExportLimits:MaxDurationMs", duration.Status.Detail);
        Assert.Equal(3u, allowed.FrameCount);
    }

    [Fact]
    public async Task ATenantAtItsExportLimit_IsRefused_WhileAnotherTenantExports()
    {
        await using var server = await StartAsync(("Sessions:ExportLimits:PerTenant", "1"));
        var alpha = server.Client();
        var beta = server.Client(TestTenants.BetaKey);
        var alphaSession = await CommitDragWithFramesAsync(server, alpha, TestTenants.Alpha);
        var betaSession = await CommitDragWithFramesAsync(server, beta, TestTenants.Beta);
        var admission = server.Services.GetRequiredService<TenantAdmission>();

        IAsyncDisposable running = await admission.EnterExportAsync(TestTenants.Alpha, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<RpcException>(() => alpha.ExportAnimationAsync(new ExportAnimationRequest { SessionId = alphaSession.Id }).ResponseAsync);
        var betaExport = await beta.ExportAnimationAsync(new ExportAnimationRequest { SessionId = betaSession.Id });
        await running.DisposeAsync();
        var afterwards = await alpha.ExportAnimationAsync(new ExportAnimationRequest { SessionId = alphaSession.Id });

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("runs 1 exports", refused.Status.Detail);
        Assert.Contains("Sessions:ExportLimits:PerTenant", refused.Status.Detail);
        Assert.Equal(3u, betaExport.FrameCount);
        Assert.Equal(3u, afterwards.FrameCount);
    }

    [Fact]
    public async Task AReplicaAtItsExportLimit_RefusesFurtherExports_UntilOneEnds()
    {
        await using var server = await StartAsync(("Sessions:ExportLimits:PerReplica", "1"));
        var beta = server.Client(TestTenants.BetaKey);
        var session = await CommitDragWithFramesAsync(server, beta, TestTenants.Beta);
        var slots = server.Services.GetRequiredService<ExportSlots>();

        var held = slots.TryEnter();
        var refused = await Assert.ThrowsAsync<RpcException>(() => beta.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id }).ResponseAsync);
        held!.Dispose();
        var afterwards = await beta.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id });

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Sessions:ExportLimits:PerReplica", refused.Status.Detail);
        Assert.Equal(3u, afterwards.FrameCount);
    }

    private Task<SessionsServer> StartAsync(params (string Key, string Value)[] settings) => SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inference.Address),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)),
    ]);

    /// <summary>A session of <paramref name="tenant"/> with a committed drag of three small stored frames.</summary>
    private static async Task<Protos.V1.Session> CommitDragWithFramesAsync(SessionsServer server, Protos.V1.Sessions.SessionsClient client, string tenant)
    {
        var session = await client.CreateAsync();
        var image = await client.ExportImageAsync(new ExportImageRequest { SessionId = session.Id, Image = new ImageOptions { Encoding = ImageEncoding.Png, Size = 32 } });
        var frames = Enumerable.Range(1, 3).Select(step => new StoredDragFrame { Step = (uint)step, Image = image.Image }).ToList();
        await server.CommitDragAsync(tenant, session, 1, frames);
        return session;
    }
}

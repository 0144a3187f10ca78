using DragGan.Protos.V1;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// A tenant's quotas (<c>Sessions:TenantQuota</c>) through the service over Redis: every kind of
/// create is admitted, a tenant at a quota is answered RESOURCE_EXHAUSTED naming it, and another
/// tenant goes on creating.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class StoreQuotaTests(InferenceServer inference, RedisBackend backend) : IClassFixture<RedisBackend>, IAsyncLifetime
{
    private const int SessionQuota = 3;
    private const long ByteQuota = 1024 * 1024;

    private SessionsServer _server = null!;

    public async Task InitializeAsync() => _server = await SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inference.Address),
        new("Sessions:TenantQuota:Sessions", SessionQuota.ToString()),
        new("Sessions:TenantQuota:StoredBytes", ByteQuota.ToString()),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
    ]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ATenantAtItsSessionQuota_IsRefusedEveryKindOfCreate_WhileAnotherTenantCreates()
    {
        var alpha = _server.Client();
        var first = (await alpha.CreateSessionAsync(new CreateSessionRequest { Seed = new SeedSessionSource { Seed = 1 }, View = SessionView.Full })).Session;
        var fromLatent = new CreateSessionRequest { Latent = new LatentSessionSource { Model = first.Model, Latent = first.History[0].Latent } };
        await alpha.CreateSessionAsync(fromLatent);
        await alpha.CreateSessionAsync(fromLatent);

        var latentRefused = await Assert.ThrowsAsync<RpcException>(() => alpha.CreateSessionAsync(fromLatent).ResponseAsync);
        var seedRefused = await Assert.ThrowsAsync<RpcException>(() => alpha.CreateSessionAsync(FromSeed(2)).ResponseAsync);
        var image = new EncodedImage { Encoding = ImageEncoding.RawRgb, Width = 1, Height = 1, Data = ByteString.CopyFrom(1, 2, 3) };
        var imageRefused = await Assert.ThrowsAsync<RpcException>(() => alpha.CreateSessionAsync(
            new CreateSessionRequest { Image = new ImageSessionSource { Image = image } }).ResponseAsync);
        var beta = await _server.Client(TestTenants.BetaKey).CreateSessionAsync(fromLatent);

        foreach (var refused in new[] { latentRefused, seedRefused, imageRefused })
        {
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains($"Tenant 'alpha' has {SessionQuota} sessions", refused.Status.Detail);
            Assert.Contains("Sessions:TenantQuota:Sessions", refused.Status.Detail);
        }
        Assert.NotEmpty(beta.Session.Id);

        await alpha.DeleteSessionAsync(new DeleteSessionRequest { SessionId = first.Id });
        await alpha.CreateSessionAsync(fromLatent);
    }

    [Fact]
    public async Task KeptDragFrames_CountAgainstTheTenantsStoredBytes()
    {
        var alpha = _server.Client();
        var session = await alpha.CreateAsync();
        var key = new SessionKey(TestTenants.Alpha, session.Id);
        var before = await _server.Store.TenantUsageAsync(TestTenants.Alpha, CancellationToken.None);
        // One frame leaves less room than a session takes (a demo session is about 29 KB).
        var payload = (int)(ByteQuota - before.StoredBytes - 10_000);
        var kept = await _server.Services.GetRequiredService<IDragFrameStore>().AppendFrameAsync(key, StoredSessions.Frame("d", 1, payload), CancellationToken.None);

        var refused = await Assert.ThrowsAsync<RpcException>(() => alpha.CreateSessionAsync(FromSeed(3)).ResponseAsync);
        var beta = await _server.Client(TestTenants.BetaKey).CreateAsync(3);

        Assert.True(kept);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Sessions:TenantQuota:StoredBytes", refused.Status.Detail);
        Assert.Contains($"quota of {ByteQuota} bytes", refused.Status.Detail);
        Assert.NotEmpty(beta.Id);
        var usage = await _server.Store.TenantUsageAsync(TestTenants.Alpha, CancellationToken.None);
        Assert.InRange(usage.StoredBytes, ByteQuota - 10_000, ByteQuota);
    }
}

using DragGan.Protos.V1;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Exports;

/// <summary>The frames kept for ExportAnimation are the service's choice, whatever the client watches.</summary>
[Collection(InferenceCollection.Name)]
public sealed class KeptFramesTests(InferenceServer inference, SqliteBackend backend) : IClassFixture<SqliteBackend>, IAsyncLifetime
{
    private const int MaxSide = 128;

    private SessionsServer _server = null!;

    public async Task InitializeAsync() => _server = await SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inference.Address),
        new("Sessions:DragFrameMaxSide", MaxSide.ToString()),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
    ]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task LargeRawFramesForTheClient_AreKeptAsSmallJpegs()
    {
        var client = _server.Client();
        var session = await client.CreateAsync();
        using var call = client.Drag();
        await call.RequestStream.WriteAsync(new SessionDragRequest
        {
            Start = new SessionDragStart
            {
                SessionId = session.Id,
                Points = { Pair(100, 128, 130, 128) },
                Parameters = new DragParameters { MaxSteps = 3, StopDistance = 0.5 },
                // Twice the model's 256 px, uncompressed: 768 KiB a frame.
                FrameOptions = new FrameOptions { Image = new ImageOptions { Encoding = ImageEncoding.RawRgb, Size = 512 } },
            },
        });
        var seen = new List<SessionDragFrame>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            seen.Add(call.ResponseStream.Current);
            if (call.ResponseStream.Current.Frame.StepLimitReached)
                break;
        }
        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
            seen.Add(call.ResponseStream.Current);

        var watched = seen.Where(f => f.Frame?.Image is not null).Select(f => f.Frame.Image).ToList();
        Assert.NotEmpty(watched);
        Assert.All(watched, image => Assert.Equal((ImageEncoding.RawRgb, 512u), (image.Encoding, image.Width)));

        var kept = await _server.Services.GetRequiredService<IDragFrameStore>()
            .ReadFramesAsync(new SessionKey(TestTenants.Alpha, session.Id), seen[^1].DragId, CancellationToken.None);
        Assert.True(kept.Count >= 3);
        Assert.All(kept, frame =>
        {
            Assert.Equal((ImageEncoding.Jpeg, (uint)MaxSide, (uint)MaxSide), (frame.Image.Encoding, frame.Image.Width, frame.Image.Height));
            Assert.True(frame.Image.Data.Length < MaxSide * MaxSide, $"a kept frame of {frame.Image.Data.Length} bytes");
        });

        var gif = await client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id });
        Assert.Equal(((uint)kept.Count, (uint)MaxSide), (gif.FrameCount, gif.Width));
    }
}

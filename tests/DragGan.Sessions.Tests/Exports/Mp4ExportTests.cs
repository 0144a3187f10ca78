using DragGan.Protos.V1;
using DragGan.Sessions.Exports;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Exports;

/// <summary>
/// ExportAnimation as MP4 over real gRPC: ffmpeg encodes the stored frames of a committed drag,
/// ffprobe and ffmpeg decode the result (codec, size, frame count, duration, pixels).
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class Mp4ExportTests(InferenceServer inference, SqliteBackend backend) : IClassFixture<SqliteBackend>
{
    private const int FrameSide = 64;

    [Fact]
    public async Task Mp4_DecodesToTheDragsFramesAtTheRequestedRateAndSize()
    {
        await using var server = await StartAsync();
        var client = server.Client();
        var (session, stored) = await CommitDragWithFramesAsync(server, client);

        var standard = await client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, Format = AnimationFormat.Mp4 });
        var small = await client.ExportAnimationAsync(new ExportAnimationRequest
        {
            SessionId = session.Id,
            Format = AnimationFormat.Mp4,
            Size = 32,
            FrameDelayMs = 40,
            FinalFrameDelayMs = 200,
        });

        // 80 ms a frame, the last held for 1000 ms: 3 frames and 12 repeats, 1.2 s.
        Assert.Equal(("video/mp4", 15u, 64u, 64u), (standard.MediaType, standard.FrameCount, standard.Width, standard.Height));
        var probed = await ProbedVideo.ReadAsync(standard.Data.ToByteArray());
        Assert.Equal(("h264", "yuv420p", 64, 64, 15), (probed.Codec, probed.PixelFormat, probed.Width, probed.Height, probed.DecodedFrames));
        Assert.Contains("mp4", probed.FormatName);
        Assert.Equal(1.2, probed.DurationSeconds, 0.001);

        // 25 frames per second, the last held for 200 ms: 3 frames and 4 repeats, 0.28 s.
        Assert.Equal(7u, small.FrameCount);
        var probedSmall = await ProbedVideo.ReadAsync(small.Data.ToByteArray());
        Assert.Equal((32, 32, 7), (probedSmall.Width, probedSmall.Height, probedSmall.DecodedFrames));
        Assert.Equal(0.28, probedSmall.DurationSeconds, 0.001);

        // Each decoded frame shows its stored frame, in order: H.264 is lossy (and the untrained
        // model's images are noisy), so each is close to its own frame and closer to it than to the others.
        var decoded = await ProbedVideo.DecodeRgbFramesAsync(standard.Data.ToByteArray(), FrameSide);
        Assert.Equal(15, decoded.Count);
        var expected = stored.Select(f => FramePixels.Decode(f.Image, FrameSide)).ToList();
        for (var f = 0; f < decoded.Count; f++)
        {
            var own = Math.Min(f, expected.Count - 1);
            var differences = expected.Select(e => MeanAbsoluteDifference(decoded[f], e)).ToList();
            Assert.InRange(differences[own], 0, 12);
            Assert.Equal(own, differences.IndexOf(differences.Min()));
        }
    }

    [Fact]
    public async Task Mp4_RefusesOddSizes()
    {
        await using var server = await StartAsync();
        var client = server.Client();
        var (session, _) = await CommitDragWithFramesAsync(server, client);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.ExportAnimationAsync(
            new ExportAnimationRequest { SessionId = session.Id, Format = AnimationFormat.Mp4, Size = 33 }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("size ", error.Status.Detail);
    }

    [Fact]
    public async Task Mp4_WithoutFfmpeg_IsAFailedPreconditionAndGifStillWorks()
    {
        await using var server = await StartAsync(new KeyValuePair<string, string?>("Sessions:FfmpegPath", "/nonexistent/ffmpeg"));
        var client = server.Client();
        var (session, _) = await CommitDragWithFramesAsync(server, client);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.ExportAnimationAsync(
            new ExportAnimationRequest { SessionId = session.Id, Format = AnimationFormat.Mp4 }).ResponseAsync);
        var gif = await client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, Format = AnimationFormat.Gif });

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.StartsWith("format MP4 needs ffmpeg", error.Status.Detail);
        Assert.Contains("/nonexistent/ffmpeg", error.Status.Detail);
        Assert.Equal(("image/gif", 3u), (gif.MediaType, gif.FrameCount));
    }

    private Task<SessionsServer> StartAsync(params KeyValuePair<string, string?>[] settings) => SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inference.Address),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        .. settings,
    ]);

    /// <summary>A session with a committed drag whose three stored frames are images of different seeds.</summary>
    private static async Task<(Protos.V1.Session Session, List<StoredDragFrame> Frames)> CommitDragWithFramesAsync(
        SessionsServer server, Protos.V1.Sessions.SessionsClient client)
    {
        var session = await client.CreateAsync();
        var frames = new List<StoredDragFrame>();
        for (uint step = 1; step <= 3; step++)
        {
            var image = await client.ExportImageAsync(new ExportImageRequest
            {
                SessionId = (await client.CreateAsync(step + 20)).Id,
                Image = new ImageOptions { Encoding = ImageEncoding.Png, Size = FrameSide },
            });
            frames.Add(new StoredDragFrame { Step = step, Image = image.Image });
        }
        await server.CommitDragAsync(TestTenants.Alpha, session, 1, frames);
        return (session, frames);
    }

    private static double MeanAbsoluteDifference(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        long sum = 0;
        for (var i = 0; i < a.Length; i++)
            sum += Math.Abs(a[i] - b[i]);
        return sum / (double)a.Length;
    }
}

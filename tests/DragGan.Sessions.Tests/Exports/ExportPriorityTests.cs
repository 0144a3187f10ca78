using System.Globalization;
using System.Runtime.Versioning;
using DragGan.Protos.V1;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Exports;

/// <summary>
/// Animation exports are batch work: over real gRPC, a GIF is encoded on threads at the configured
/// niceness (<c>Sessions:ExportLimits:Niceness</c>) and an MP4's ffmpeg runs at it, below the
/// interactive work (drags, generations) that the service's other threads do at the process's own.
/// Niceness is a Linux thread attribute, read here from /proc.
/// </summary>
[SupportedOSPlatform("linux")]
[Collection(InferenceCollection.Name)]
public sealed class ExportPriorityTests(InferenceServer inference, SqliteBackend backend) : IClassFixture<SqliteBackend>
{
    // Above the 10 that builds and tests here may run at (raising niceness needs no privilege, lowering
    // it does), and above the default, so that no other thread of the test process has it.
    private const int Niceness = 15;

    private const int FrameSide = 64;

    // Sessions:ExportLimits:PerReplica, set here: one background-priority thread for each.
    private const int ExportThreads = 3;

    [Fact]
    public async Task GifEncoding_RunsOnThreadsAtTheConfiguredNiceness()
    {
        await using var server = await StartAsync();
        var client = server.Client();
        var session = await CommitDragWithFramesAsync(server, client, frameCount: 12);

        var before = LinuxThreads.CpuSecondsAt(Niceness);
        var gif = await client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, Format = AnimationFormat.Gif, Size = 1024 });
        var spent = LinuxThreads.CpuSecondsAt(Niceness) - before;

        Assert.Equal(("image/gif", 12u, 1024u), (gif.MediaType, gif.FrameCount, gif.Width));
        // Twelve frames of 1024 x 1024 px are scaled, mapped to a palette and compressed: well over
        // a tenth of a second of CPU, all of it on the niced threads.
        Assert.InRange(spent, 0.1, double.MaxValue);
        // No other thread of the service took the niceness on (by being started from one of them).
        Assert.Equal(ExportThreads, LinuxThreads.All().Count(t => t.Niceness == Niceness));
    }

    [Fact]
    public async Task Mp4_RunsFfmpegAtTheConfiguredNiceness()
    {
        var folder = Directory.CreateTempSubdirectory("draggan-ffmpeg-");
        try
        {
            // Records its own niceness, then becomes the real ffmpeg.
            var recorded = Path.Combine(folder.FullName, "niceness");
            var script = Path.Combine(folder.FullName, "ffmpeg");
            await File.WriteAllTextAsync(script, $"#!/bin/sh\nnice > '{recorded}'\nexec ffmpeg \"$@\"\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await using var server = await StartAsync(new KeyValuePair<string, string?>("Sessions:FfmpegPath", script));
            var client = server.Client();
            var session = await CommitDragWithFramesAsync(server, client, frameCount: 3);

            var mp4 = await client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, Format = AnimationFormat.Mp4 });

            Assert.Equal(("video/mp4", 15u), (mp4.MediaType, mp4.FrameCount));
            Assert.Equal(Niceness, int.Parse(await File.ReadAllTextAsync(recorded), CultureInfo.InvariantCulture));
            Assert.Equal(ExportThreads, LinuxThreads.All().Count(t => t.Niceness == Niceness));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private Task<SessionsServer> StartAsync(params KeyValuePair<string, string?>[] settings) => SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inference.Address),
        new("Sessions:ExportLimits:Niceness", Niceness.ToString(CultureInfo.InvariantCulture)),
        new("Sessions:ExportLimits:PerReplica", ExportThreads.ToString(CultureInfo.InvariantCulture)),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        .. settings,
    ]);

    /// <summary>A session with a committed drag of <paramref name="frameCount"/> stored frames, images of different seeds.</summary>
    private static async Task<Protos.V1.Session> CommitDragWithFramesAsync(SessionsServer server, Protos.V1.Sessions.SessionsClient client, int frameCount)
    {
        var session = await client.CreateAsync();
        var frames = new List<StoredDragFrame>();
        for (uint step = 1; step <= frameCount; step++)
        {
            var image = await client.ExportImageAsync(new ExportImageRequest
            {
                SessionId = (await client.CreateAsync(step + 20)).Id,
                Image = new ImageOptions { Encoding = ImageEncoding.Png, Size = FrameSide },
            });
            frames.Add(new StoredDragFrame { Step = step, Image = image.Image });
        }
        await server.CommitDragAsync(TestTenants.Alpha, session, 1, frames);
        return session;
    }
}

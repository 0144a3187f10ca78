using System.IO.Compression;
using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Google.Protobuf;
using Grpc.Net.Client;
using static DragGan.Sessions.Tests.Support.SessionTestData;
using static DragGan.Sessions.Tests.Support.TunedPhotos;
using InferenceClient = DragGan.Protos.V1.Inference.InferenceClient;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// A photo's session with a real inference replica (the demo model): uploads are tuned by default,
/// the session keeps the delta, and its renders, drags and latent exports carry it, so that the
/// tuned generator draws every image of the session.
/// </summary>
public sealed class TunedPhotoSessionTests(SqliteBackend backend) : IClassFixture<SqliteBackend>, IAsyncLifetime
{
    private ReplicaStack _stack = null!;

    private SessionsServer Sessions => _stack.Sessions[0];

    public async Task InitializeAsync() => _stack = await ReplicaStack.StartAsync(backend);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task AnUpload_IsTunedByDefault_AndTheSessionsRendersDragsAndExportsCarryItsDelta()
    {
        var client = Sessions.Client();
        var photo = await PhotoAsync(client);

        var tuned = await client.CreateSessionAsync(Upload(photo, new InvertOptions { Steps = 4, TuningSteps = 10, TuningRank = 2 }));
        var plain = await client.CreateSessionAsync(Upload(photo, new InvertOptions { Steps = 4, PivotalTuning = false }));

        Assert.True(tuned.Session.WeightDeltaBytes > 0, "the upload was not tuned");
        Assert.Equal(0ul, plain.Session.WeightDeltaBytes);
        var entry = Assert.Single(tuned.Session.History);
        Assert.Equal(HistoryEntryKind.Inverted, entry.Kind);
        Assert.True(entry.Psnr > 0);

        // ExportImage renders the session's latent with its delta: the reconstruction the upload
        // answered with, not the untuned generator's image of the same latent.
        var exported = await client.ExportImageAsync(new ExportImageRequest { SessionId = tuned.Session.Id, Image = Raw });
        var untuned = await UntunedAsync(tuned.Session.Latent);
        Assert.Equal(tuned.Image.Data, exported.Image.Data);
        var effect = TestPhotos.MeanAbsoluteDifference(exported.Image.Data.Span, untuned.Span);
        Assert.True(effect > 0.5, $"the delta changed the render by {effect} levels only");

        // A drag of the session steps the tuned generator: its first frame is the export.
        var first = await FirstDragFrameAsync(client, tuned.Session.Id);
        Assert.True(TestPhotos.MeanAbsoluteDifference(first.Span, exported.Image.Data.Span) < 0.05 * effect,
            $"the drag's first frame is {TestPhotos.MeanAbsoluteDifference(first.Span, exported.Image.Data.Span)} levels from the tuned render");

        // The .npz export holds the latent and the delta.
        var npz = await client.ExportLatentAsync(new ExportLatentRequest { SessionId = tuned.Session.Id, Format = LatentFileFormat.Npz });
        using var zip = new ZipArchive(new MemoryStream(npz.Data.ToByteArray()));
        Assert.Equal(["w.npy", "weight_delta.npy"], zip.Entries.Select(e => e.FullName).Order());
        using var delta = new MemoryStream();
        zip.GetEntry("weight_delta.npy")!.Open().CopyTo(delta);
        var npy = delta.ToArray();
        Assert.Equal("DGWD"u8.ToArray(), npy[^(int)tuned.Session.WeightDeltaBytes..][..4]);
        var plainNpz = await client.ExportLatentAsync(new ExportLatentRequest { SessionId = plain.Session.Id, Format = LatentFileFormat.Npz });
        Assert.Single(new ZipArchive(new MemoryStream(plainNpz.Data.ToByteArray())).Entries);
    }

    [Fact]
    public async Task ATunedSession_IsCountedWithItsDeltaInTheTenantsStorage()
    {
        var client = Sessions.Client();
        var photo = await PhotoAsync(client);
        var plain = await client.CreateSessionAsync(Upload(photo, new InvertOptions { Steps = 2, PivotalTuning = false }));
        var tuned = await client.CreateSessionAsync(Upload(photo, new InvertOptions { Steps = 2, TuningSteps = 1 }));

        var plainRecord = await Sessions.Editor.GetAsync(new(TestTenants.Alpha, plain.Session.Id), CancellationToken.None);
        var tunedRecord = await Sessions.Editor.GetAsync(new(TestTenants.Alpha, tuned.Session.Id), CancellationToken.None);

        Assert.Equal((long)tuned.Session.WeightDeltaBytes, tunedRecord.Value.WeightDelta.Length);
        Assert.True(tunedRecord.Value.CalculateSize() > plainRecord.Value.CalculateSize() + (long)tuned.Session.WeightDeltaBytes - 64);
    }

    private static CreateSessionRequest Upload(EncodedImage photo, InvertOptions options) => new()
    {
        Image = new ImageSessionSource { Image = photo, Options = options },
        ImageOptions = Raw,
        View = SessionView.Full,
    };

    /// <summary>The same latent drawn by the untuned generator, straight from the replica.</summary>
    private async Task<ByteString> UntunedAsync(Latent latent)
    {
        using var channel = GrpcChannel.ForAddress(_stack.Inference.Address);
        var generated = await new InferenceClient(channel).GenerateAsync(new GenerateRequest { Latent = latent, Image = Raw });
        return generated.Image.Data;
    }

    private static async Task<ByteString> FirstDragFrameAsync(DragGan.Protos.V1.Sessions.SessionsClient client, string sessionId)
    {
        using var call = client.Drag();
        await call.RequestStream.WriteAsync(new SessionDragRequest
        {
            Start = new SessionDragStart
            {
                SessionId = sessionId,
                Points = { Pair(100, 128, 110, 128) },
                Parameters = new DragParameters { MaxSteps = 2 },
                FrameOptions = new FrameOptions { Image = Raw },
            },
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            if (call.ResponseStream.Current.Frame?.Image is { } image && !image.Data.IsEmpty)
            {
                await call.RequestStream.CompleteAsync();
                return image.Data;
            }
        }
        throw new InvalidOperationException("The drag ended without a frame image.");
    }
}

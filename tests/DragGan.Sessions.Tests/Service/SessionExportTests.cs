using System.IO.Compression;
using System.Text;
using DragGan.Protos.V1;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using SkiaSharp;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// Exports: the image of an entry, the latent as .npy and .npz, the latest drag as a GIF. Over real
/// gRPC, with a real inference server, against each store.
/// </summary>
public abstract class SessionExportTests(InferenceServer inference, IStoreBackend backend) : SessionServiceTests(inference, backend)
{
    [Fact]
    public async Task ExportImage_RendersTheCurrentOrAGivenEntry()
    {
        var png = new ImageOptions { Encoding = ImageEncoding.Png };
        var created = await Client.CreateSessionAsync(FromSeed(11, png));
        var other = await Client.CreateSessionAsync(new CreateSessionRequest { Seed = new SeedSessionSource { Seed = 12 }, ImageOptions = png });
        await Server.CommitDragAsync(TestTenants.Alpha, created.Session, 0, latent: other.Session.Latent);

        var current = await Client.ExportImageAsync(new ExportImageRequest { SessionId = created.Session.Id });
        var first = await Client.ExportImageAsync(new ExportImageRequest { SessionId = created.Session.Id, EntryId = 1 });
        var small = await Client.ExportImageAsync(new ExportImageRequest { SessionId = created.Session.Id, Image = new ImageOptions { Encoding = ImageEncoding.Jpeg, Size = 32 } });

        Assert.Equal(2ul, current.EntryId);
        Assert.Equal(other.Image.Data, current.Image.Data);
        Assert.Equal(1ul, first.EntryId);
        Assert.Equal(created.Image.Data, first.Image.Data);
        Assert.Equal((ImageEncoding.Jpeg, 32u), (small.Image.Encoding, small.Image.Width));
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() => Client.ExportImageAsync(new ExportImageRequest
        {
            SessionId = created.Session.Id,
            Image = new ImageOptions { Size = 5000 },
        }).ResponseAsync), "image.size");
    }

    [Fact]
    public async Task ExportLatent_WritesNpyAndNpzOfShape1ByNumWsByWDim()
    {
        var session = await Client.CreateAsync();

        var npy = await Client.ExportLatentAsync(new ExportLatentRequest { SessionId = session.Id });
        var npz = await Client.ExportLatentAsync(new ExportLatentRequest { SessionId = session.Id, Format = LatentFileFormat.Npz });
        var none = await Client.ExportLatentAsync(new ExportLatentRequest { SessionId = session.Id, Format = LatentFileFormat.None });

        Assert.Equal(("application/x-npy", $"{session.Id}-1.npy", DemoModel), (npy.MediaType, npy.FileName, npy.Model));
        Assert.Equal(session.Latent, npy.Latent);
        var (shape, values) = ReadNpy(npy.Data.ToByteArray());
        Assert.Equal("(1, 14, 512)", shape);
        Assert.Equal(session.Latent.Values, values);

        using var zip = new ZipArchive(new MemoryStream(npz.Data.ToByteArray()));
        var entry = Assert.Single(zip.Entries);
        Assert.Equal("w.npy", entry.FullName);
        Assert.Equal(entry.Length, entry.CompressedLength); // stored, as np.savez writes it
        using var content = new MemoryStream();
        entry.Open().CopyTo(content);
        Assert.Equal(npy.Data.ToByteArray(), content.ToArray());

        Assert.True(none.Data.IsEmpty);
        Assert.Equal(session.Latent, none.Latent);
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportLatentAsync(new ExportLatentRequest { SessionId = session.Id, Format = (LatentFileFormat)9 }).ResponseAsync), "format");
    }

    [Fact]
    public async Task ExportAnimation_EncodesTheLatestDragsFramesAsALoopingGif()
    {
        var session = await Client.CreateAsync();
        AssertMissing(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id }).ResponseAsync), "entry_id");
        var frames = new List<StoredDragFrame>();
        for (uint step = 1; step <= 3; step++)
        {
            var image = await Client.ExportImageAsync(new ExportImageRequest
            {
                SessionId = (await Client.CreateAsync(step + 20)).Id,
                Image = new ImageOptions { Encoding = ImageEncoding.Jpeg, Size = 64 },
            });
            frames.Add(new StoredDragFrame { Step = step, Image = image.Image });
        }
        var commit = await Server.CommitDragAsync(TestTenants.Alpha, session, 1, frames);

        var gif = await Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id });
        var resized = await Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, EntryId = commit.EntryId, Size = 32 });

        Assert.Equal(("image/gif", 3u, 64u, commit.EntryId), (gif.MediaType, gif.FrameCount, gif.Width, gif.EntryId));
        using (var codec = SKCodec.Create(new MemoryStream(gif.Data.ToByteArray())))
        {
            Assert.Equal(SKEncodedImageFormat.Gif, codec.EncodedFormat);
            Assert.Equal(3, codec.FrameCount);
            Assert.Equal(64, codec.Info.Width);
            Assert.Equal(-1, codec.RepetitionCount); // Skia reports "forever" as -1
        }
        Assert.Equal(32u, resized.Width);

        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, EntryId = 1 }).ResponseAsync), "entry_id");
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, Size = 8 }).ResponseAsync), "size");
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, Format = (AnimationFormat)9 }).ResponseAsync), "format");

        // A later drag's frames replace these.
        await Server.CommitDragAsync(TestTenants.Alpha, session, 2, [frames[0]]);
        AssertMissing(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, EntryId = commit.EntryId }).ResponseAsync), "entry_id");
        Assert.Equal(1u, (await Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id })).FrameCount);
    }
}

[Collection(InferenceCollection.Name)]
public sealed class SqliteSessionExportTests(InferenceServer inference, SqliteBackend backend)
    : SessionExportTests(inference, backend), IClassFixture<SqliteBackend>;

[Collection(InferenceCollection.Name)]
public sealed class RedisSessionExportTests(InferenceServer inference, RedisBackend backend)
    : SessionExportTests(inference, backend), IClassFixture<RedisBackend>;

using DragGan.Client.Tests.Support;
using DragGan.Protos.V1;
using Grpc.Core;
using SkiaSharp;

namespace DragGan.Client.Tests.Library;

/// <summary>The typed calls of <see cref="DragGanClient"/> against the real session service: round trips of sessions, history and exports.</summary>
[Collection(ServicesCollection.Name)]
public sealed class SessionCallsTests(ServiceHosts hosts) : IDisposable
{
    private readonly DragGanClient _client = hosts.Client();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task ListModels_NamesTheDemoModelAsTheDefault()
    {
        var models = await _client.ListModelsAsync();

        var demo = Assert.Single(models.Models);
        Assert.Equal(demo.Name, models.DefaultModel);
        Assert.Equal((256u, 14u, 512u, true), (demo.Resolution, demo.NumWs, demo.WDim, demo.IsDemo));
    }

    [Fact]
    public async Task CreateGetListDelete_RoundTrip()
    {
        var created = await _client.CreateFromSeedAsync(42, truncationPsi: 0.5);
        var again = await _client.CreateFromSeedAsync(42, truncationPsi: 0.5);
        var other = await _client.CreateFromSeedAsync(42, truncationPsi: 1);

        var fetched = await _client.GetSessionAsync(created.Id);
        Assert.Equal(created.Id, fetched.Id);
        Assert.Equal(created.Latent, fetched.Latent);
        Assert.Equal(created.Latent, again.Latent); // same seed and psi, same latent
        Assert.NotEqual(created.Latent, other.Latent);
        Assert.Equal(HistoryEntryKind.Created, Assert.Single(fetched.History).Kind);
        Assert.Null((await _client.GetSessionAsync(created.Id, SessionView.Basic)).Latent);

        // Paged one at a time, the listing still yields every session, newest change first.
        var listed = await _client.ListSessionsAsync(pageSize: 1).Select(s => s.Id).ToListAsync();
        Assert.Equal([other.Id, again.Id, created.Id], listed.Where(id => id == created.Id || id == again.Id || id == other.Id));

        await _client.DeleteSessionAsync(created.Id);
        var gone = await Assert.ThrowsAsync<RpcException>(() => _client.GetSessionAsync(created.Id));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.DoesNotContain(created.Id, await _client.ListSessionsAsync().Select(s => s.Id).ToListAsync());
    }

    [Fact]
    public async Task DragUndoRedoCheckoutAndExports_RoundTrip()
    {
        var session = await _client.CreateFromSeedAsync(7);
        var firstPng = await _client.ExportPngAsync(session.Id);

        await using (var drag = await _client.StartDragAsync(Drags.Start(session.Id, maxSteps: 3)))
        {
            var (frames, result) = await Drags.RunToEndAsync(drag);
            Assert.Equal([1u, 2u, 3u], frames.Where(f => !f.Frame.Final).Select(f => f.Frame.Step));
            Assert.Equal(2ul, result.CommittedEntryId);
            Assert.Equal(drag.DragId, result.DragId);
        }
        var dragged = await _client.GetSessionAsync(session.Id);
        Assert.Equal(1u, dragged.CurrentIndex);
        var draggedPng = await _client.ExportPngAsync(session.Id);
        Assert.NotEqual(firstPng, draggedPng);

        var undone = await _client.UndoAsync(session.Id);
        Assert.Equal((0u, session.Latent), (undone.CurrentIndex, undone.Latent));
        Assert.Equal(firstPng, await _client.ExportPngAsync(session.Id));
        var redone = await _client.RedoAsync(session.Id, expectedVersion: undone.Version);
        Assert.Equal((1u, dragged.Latent), (redone.CurrentIndex, redone.Latent));
        Assert.Equal(0u, (await _client.CheckoutIndexAsync(session.Id, 0)).CurrentIndex);
        Assert.Equal(1u, (await _client.CheckoutEntryAsync(session.Id, 2)).CurrentIndex);
        var stale = await Assert.ThrowsAsync<RpcException>(() => _client.UndoAsync(session.Id, expectedVersion: undone.Version));
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);

        // Exports of any entry: the image, the latent as .npy, and the drag's frames as a GIF.
        Assert.Equal(firstPng, await _client.ExportPngAsync(session.Id, entryId: 1));
        var small = Images.Describe(await _client.ExportPngAsync(session.Id, size: 64));
        Assert.Equal((SKEncodedImageFormat.Png, 1, 64, 64), small);
        var latent = await _client.ExportLatentAsync(session.Id);
        var (shape, values) = Npy.Read(latent.Data.ToByteArray());
        Assert.Equal([1, 14, 512], shape);
        Assert.Equal(dragged.Latent.Values.ToArray(), values);
        Assert.Equal(2ul, latent.EntryId);
        var gif = await _client.ExportGifAsync(session.Id, frameDelay: TimeSpan.FromMilliseconds(50));
        Assert.Equal((SKEncodedImageFormat.Gif, (int)gif.FrameCount, 64, 64), Images.Describe(gif.Data.ToByteArray()));
        Assert.Equal(4u, gif.FrameCount); // three steps and the final image
    }

    [Fact]
    public async Task CreateFromLatent_OfAnExportedLatent_GivesTheSameImage()
    {
        var session = await _client.CreateFromSeedAsync(11);
        var exported = await _client.ExportLatentAsync(session.Id, LatentFileFormat.None);
        Assert.True(exported.Data.IsEmpty);

        var copy = await _client.CreateFromLatentAsync(exported.Latent, exported.Model);

        Assert.Equal(session.Latent, copy.Latent);
        Assert.Equal(await _client.ExportPngAsync(session.Id), await _client.ExportPngAsync(copy.Id));
    }

    [Fact]
    public async Task CreateFromImage_InvertsItIntoTheFirstEntry()
    {
        var source = await _client.CreateFromSeedAsync(5);
        var png = await _client.ExportPngAsync(source.Id);

        var inverted = await _client.CreateFromImageAsync(png, options: new InvertOptions { Steps = 3, TuningSteps = 1 });

        var entry = Assert.Single(inverted.History);
        Assert.Equal((HistoryEntryKind.Inverted, 4u), (entry.Kind, entry.Steps));
        Assert.True(inverted.WeightDeltaBytes > 0);
        Assert.Equal(14u, inverted.Latent.Rows);

        var notAnImage = await Assert.ThrowsAsync<RpcException>(() => _client.CreateFromImageAsync(new byte[] { 1, 2, 3 }, options: new InvertOptions { Steps = 3 }));
        Assert.Equal(StatusCode.InvalidArgument, notAnImage.StatusCode);
        Assert.StartsWith("image.image", notAnImage.Status.Detail);
    }

    [Fact]
    public async Task CreateFromImage_WithProgress_ReportsEachStepInOrder_ThenReturnsTheSession()
    {
        var source = await _client.CreateFromSeedAsync(6);
        var png = await _client.ExportPngAsync(source.Id);
        var reported = new RecordedSteps();

        var inverted = await _client.CreateFromImageAsync(png, null, new InvertOptions { Steps = 3, TuningSteps = 2, TuningRank = 1 }, reported);

        // The service may skip steps for a slow reader, never reorder them, and always sends the last.
        var steps = reported.Steps.Select(s => s.Step).ToArray();
        Assert.Equal(steps.Order().Distinct(), steps);
        Assert.Equal(5u, steps[^1]);
        Assert.All(reported.Steps, s => Assert.Equal(s.Step <= 3 ? InversionStage.Projection : InversionStage.Tuning, s.Stage));
        Assert.Contains(reported.Steps, s => s.Stage == InversionStage.Projection);
        var entry = Assert.Single((await _client.GetSessionAsync(inverted.Id)).History);
        Assert.Equal((HistoryEntryKind.Inverted, 5u), (entry.Kind, entry.Steps));

        var seeded = await _client.CreateSessionAsync(new CreateSessionRequest { Seed = new SeedSessionSource { Seed = 6 } }, reported);
        Assert.Equal(steps.Length, reported.Steps.Count);
        Assert.Equal(source.Latent, seeded.Session.Latent);
    }

    /// <summary>Records reports as they are made (unlike <see cref="Progress{T}"/>, which posts them for later).</summary>
    private sealed class RecordedSteps : IProgress<InversionProgress>
    {
        public List<InversionProgress> Steps { get; } = [];

        public void Report(InversionProgress value) => Steps.Add(value);
    }

    [Fact]
    public async Task Errors_CarryTheServicesStatusAndField()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() => _client.UndoAsync("no-such-session"));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        var session = await _client.CreateFromSeedAsync(1);
        var nothingToUndo = await Assert.ThrowsAsync<RpcException>(() => _client.UndoAsync(session.Id));
        Assert.Equal(StatusCode.FailedPrecondition, nothingToUndo.StatusCode);

        var outside = await Assert.ThrowsAsync<RpcException>(() => _client.StartDragAsync(session.Id, [DragPoints.Pair(10, 10, 300, 10)]));
        Assert.Equal(StatusCode.InvalidArgument, outside.StatusCode);
        Assert.StartsWith("start.points[0].target", outside.Status.Detail);
        // A refused start leaves no drag behind.
        Assert.Null((await _client.GetSessionAsync(session.Id)).ActiveDrag);
    }
}

using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using static DragGan.Sessions.Tests.Support.SessionTestData;
using static DragGan.Sessions.Tests.Support.TunedPhotos;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// CreateSessionWithProgress against a real inference replica (the demo model): an upload streams
/// its inversion's steps, projection then tuning, and ends with the session CreateSession would
/// make; a seed answers with the session alone; bad input fails exactly as CreateSession fails.
/// </summary>
public sealed class CreateSessionWithProgressTests(SqliteBackend backend) : IClassFixture<SqliteBackend>, IAsyncLifetime
{
    private static readonly InvertOptions SmallTunedInversion = new() { Steps = 4, TuningSteps = 6, TuningRank = 2 };

    private ReplicaStack _stack = null!;

    private SessionsServer Sessions => _stack.Sessions[0];

    public async Task InitializeAsync() => _stack = await ReplicaStack.StartAsync(backend);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task AnUpload_StreamsProjectionAndTuningSteps_ThenTheStoredSession()
    {
        var client = Sessions.Client();
        var request = Upload(await PhotoAsync(client), SmallTunedInversion);

        var messages = await ReadAllAsync(client, request);

        var created = Assert.Single(messages, m => m.KindCase == CreateSessionProgress.KindOneofCase.Created).Created;
        Assert.Equal(CreateSessionProgress.KindOneofCase.Created, messages[^1].KindCase);
        var steps = messages[..^1].Select(m => m.Inversion).ToList();
        Assert.NotEmpty(steps);
        Assert.All(steps, step => Assert.Equal(10u, step.TotalSteps));
        Assert.Equal(steps.Select(s => s.Step).Order(), steps.Select(s => s.Step));
        Assert.Equal(steps.Count, steps.Select(s => s.Step).Distinct().Count());
        Assert.All(steps, step => Assert.True(step.Psnr > 0, $"step {step.Step} has PSNR {step.Psnr}"));
        // A report waiting for the stream is replaced by a newer one, so a loaded machine may send
        // no projection step at all; the last step always arrives, and stages never go back.
        var projection = steps.Where(s => s.Stage == InversionStage.Projection).ToList();
        var tuning = steps.Where(s => s.Stage == InversionStage.Tuning).ToList();
        Assert.Equal(10u, steps[^1].Step);
        Assert.Equal(InversionStage.Tuning, steps[^1].Stage);
        Assert.True(projection.Count == 0 || projection[^1].Step < tuning[0].Step, "a projection step came after a tuning step");
        Assert.All(projection, step => Assert.False(step.HasPerceptualDistance, $"projection step {step.Step} has a perceptual distance"));
        Assert.All(tuning, step => Assert.True(step.HasPerceptualDistance && step.PerceptualDistance >= 0, $"tuning step {step.Step} has no perceptual distance"));

        // The session is stored, and is the session CreateSession makes of the same upload.
        var stored = await client.GetSessionAsync(new GetSessionRequest { SessionId = created.Session.Id, View = SessionView.Full });
        Assert.Equal(created.Session, stored);
        var entry = Assert.Single(stored.History);
        Assert.Equal(HistoryEntryKind.Inverted, entry.Kind);
        Assert.True(entry.Psnr > 0);
        Assert.Equal(steps[^1].Step, entry.Steps);
        Assert.True(stored.WeightDeltaBytes > 0, "the upload was not tuned");
        Assert.False(created.Image.Data.IsEmpty);

        var unary = await client.CreateSessionAsync(request);
        var unaryEntry = Assert.Single(unary.Session.History);
        Assert.Equal((unaryEntry.Kind, unaryEntry.Steps), (entry.Kind, entry.Steps));
        Assert.Equal((unary.Session.Model, unary.Session.Resolution, unary.Session.WeightDeltaBytes),
            (stored.Model, stored.Resolution, stored.WeightDeltaBytes));
        Assert.Equal(unary.Image.Width, created.Image.Width);
    }

    [Fact]
    public async Task ASeed_AnswersWithTheCreatedSessionOnly()
    {
        var client = Sessions.Client();

        var message = Assert.Single(await ReadAllAsync(client, FromSeed(42)));

        Assert.Equal(CreateSessionProgress.KindOneofCase.Created, message.KindCase);
        var stored = await client.GetSessionAsync(new GetSessionRequest { SessionId = message.Created.Session.Id });
        Assert.Equal(HistoryEntryKind.Created, Assert.Single(stored.History).Kind);
        Assert.Equal(message.Created.Session, stored);
    }

    [Fact]
    public async Task BadInput_FailsWithCreateSessionsStatusAndMessage_AndCreatesNothing()
    {
        var client = Sessions.Client();
        var request = new CreateSessionRequest { Seed = new SeedSessionSource { Seed = 1, TruncationPsi = double.NaN } };

        var unary = await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(request).ResponseAsync);
        var streamed = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(client, request));

        Assert.Equal(StatusCode.InvalidArgument, unary.StatusCode);
        Assert.Contains("seed.truncation_psi", unary.Status.Detail);
        Assert.Equal((unary.StatusCode, unary.Status.Detail), (streamed.StatusCode, streamed.Status.Detail));
        Assert.Empty((await client.ListSessionsAsync(new ListSessionsRequest())).Sessions);
    }

    private static CreateSessionRequest Upload(EncodedImage photo, InvertOptions options) => new()
    {
        Image = new ImageSessionSource { Image = photo, Options = options },
        ImageOptions = Raw,
        View = SessionView.Full,
    };

    private static async Task<List<CreateSessionProgress>> ReadAllAsync(SessionsClient client, CreateSessionRequest request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var call = client.CreateSessionWithProgress(request, cancellationToken: timeout.Token);
        var messages = new List<CreateSessionProgress>();
        await foreach (var message in call.ResponseStream.ReadAllAsync(timeout.Token))
            messages.Add(message);
        return messages;
    }
}

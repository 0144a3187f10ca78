using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// Every checkpoint kind beyond StyleGAN2 through the session service, against a real inference
/// replica serving the official-format fixtures: ListModels shows each model's kind and content
/// rectangle, a seed session takes a drag that is committed to its history, its image exports at
/// the model's resolution, and a session is created from that image by inversion.
/// </summary>
public sealed class CheckpointKindSessionTests(SqliteBackend backend) : IClassFixture<SqliteBackend>, IAsyncLifetime
{
    private static readonly string Fixtures = Path.Combine(RepositoryRoot(), "..", "shared", "fixtures");

    private ReplicaStack _stack = null!;

    private SessionsServer Sessions => _stack.Sessions[0];

    public async Task InitializeAsync() => _stack = await ReplicaStack.StartAsync(backend, sessionServices: 1,
        // A drag that reached its step limit with nobody watching is committed after this idle time.
        [new("Sessions:DragIdleTimeout", "00:00:01")],
        new("ModelRegistry:Models:human:Path", Path.Combine(Fixtures, "stylegan_human-tiny-256x128", "stylegan_human-tiny-256x128.pkl")),
        new("ModelRegistry:Models:tf:Path", Path.Combine(Fixtures, "stylegan2-tf-tiny-config-f-256", "stylegan2-tf-tiny-config-f-256.pkl")),
        new("ModelRegistry:Models:sg3:Path", Path.Combine(Fixtures, "stylegan3-tiny-t-256", "stylegan3-tiny-t-256.pkl")));

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task ListModels_ShowsEachKindAndItsContentRectangle()
    {
        var models = (await Sessions.Client().ListModelsAsync(new ListModelsRequest())).Models.ToDictionary(m => m.Name);

        Assert.Equal(GeneratorKind.StyleganHuman, models["human"].Kind);
        Assert.Equal((64u, 0u, 128u, 256u), Rect(models["human"].Content));
        Assert.Equal(GeneratorKind.Stylegan2Tf, models["tf"].Kind);
        Assert.Equal((0u, 0u, 256u, 256u), Rect(models["tf"].Content));
        Assert.Equal(GeneratorKind.Stylegan3T, models["sg3"].Kind);
        Assert.Equal((0u, 0u, 256u, 256u), Rect(models["sg3"].Content));
    }

    [Theory]
    [InlineData("human")]
    [InlineData("tf")]
    [InlineData("sg3")]
    public async Task ASeedSession_IsDraggedCommittedExportedAndInverted(string model)
    {
        var client = Sessions.Client();
        var session = (await client.CreateSessionAsync(new CreateSessionRequest { Seed = new SeedSessionSource { Model = model, Seed = 42 } })).Session;
        Assert.Equal((model, 256u), (session.Model, session.Resolution));

        var entry = await DragThreeStepsUnwatchedAsync(client, session, Pair(128, 100, 128, 120));

        var exported = await client.ExportImageAsync(new ExportImageRequest { SessionId = session.Id });
        Assert.Equal(entry.Id, exported.EntryId);
        var inverted = (await client.CreateSessionAsync(new CreateSessionRequest
        {
            Image = new ImageSessionSource { Model = model, Image = exported.Image, Options = new InvertOptions { Steps = 2, TuningSteps = 1 } },
        })).Session;
        var first = Assert.Single(inverted.History);
        // Tuned by default where the model takes weight deltas: every kind but StyleGAN3.
        Assert.Equal((HistoryEntryKind.Inverted, model != "sg3" ? 3u : 2u, model), (first.Kind, first.Steps, inverted.Model));
        Assert.Equal(model != "sg3", inverted.WeightDeltaBytes > 0);
        Assert.Equal((session.Latent.Rows, session.Latent.WDim), (inverted.Latent.Rows, inverted.Latent.WDim));
    }

    private static (uint X, uint Y, uint Width, uint Height) Rect(ContentRect rect) => (rect.X, rect.Y, rect.Width, rect.Height);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DragGan.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("DragGan.sln not found above the test's folder.");
    }
}

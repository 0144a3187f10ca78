using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using static DragGan.Sessions.Tests.Support.SessionTestData;
using FacesModel = DragGan.Engine.Models.FacesModel;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// A replica on the inference service's own model defaults behind the session service: a session
/// that names no model is a face of the built-in face model, and a drag on it is committed.
/// </summary>
public sealed class DefaultModelSessionTests(SqliteBackend backend) : IClassFixture<SqliteBackend>, IAsyncLifetime
{
    private ReplicaStack _stack = null!;

    private SessionsServer Sessions => _stack.Sessions[0];

    public async Task InitializeAsync() => _stack = await ReplicaStack.StartAsync(backend, sessionServices: 1,
        // A drag that reached its step limit with nobody watching is committed after this idle time.
        [new("Sessions:DragIdleTimeout", "00:00:01")],
        new KeyValuePair<string, string?>("ModelRegistry:IncludeFacesModel", "true"));

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task ASessionNamingNoModel_IsAFaceOfTheBuiltInFaceModel_AndTakesADrag()
    {
        var client = Sessions.Client();
        var models = await client.ListModelsAsync(new ListModelsRequest());
        Assert.Equal(FacesModel.Name, models.DefaultModel);
        Assert.Equal([FacesModel.Name, DemoModel], models.Models.Select(m => m.Name));

        var session = (await client.CreateSessionAsync(new CreateSessionRequest { Seed = new SeedSessionSource { Seed = 7 } })).Session;
        Assert.Equal((FacesModel.Name, 128u), (session.Model, session.Resolution));

        await DragThreeStepsUnwatchedAsync(client, session, Pair(61, 98, 61, 110));
    }
}

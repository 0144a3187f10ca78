using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>API keys, tenant isolation, request size limits and per-tenant rate limits.</summary>
[Collection(InferenceCollection.Name)]
public sealed class SecurityTests(InferenceServer inference, SqliteBackend backend) : IClassFixture<SqliteBackend>, IAsyncLifetime
{
    private const int MaxReceiveMessageBytes = 64 * 1024;

    private SessionsServer _server = null!;

    public async Task InitializeAsync() => _server = await SessionsServer.StartAsync(Settings());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task CallsWithoutAKey_AreUnauthenticated()
    {
        var client = _server.Client(apiKey: null);

        await AssertUnauthenticated(() => client.ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);
        await AssertUnauthenticated(() => client.CreateSessionAsync(FromSeed(1)).ResponseAsync);
        await AssertUnauthenticated(() => client.ListModelsAsync(new ListModelsRequest()).ResponseAsync);
    }

    [Fact]
    public async Task CallsWithAWrongKey_AreUnauthenticated()
    {
        await AssertUnauthenticated(() => _server.Client("not-a-key").ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);
        await AssertUnauthenticated(() => _server.Client(TestTenants.AlphaKey + "x").ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);
        var headers = new Metadata { { "x-api-key", "wrong" } };
        await AssertUnauthenticated(() => _server.Client(apiKey: null).ListSessionsAsync(new ListSessionsRequest(), headers).ResponseAsync);
    }

    [Fact]
    public async Task AKeyInXApiKey_IsAcceptedToo()
    {
        var headers = new Metadata { { "x-api-key", TestTenants.BetaKey } };

        var page = await _server.Client(apiKey: null).ListSessionsAsync(new ListSessionsRequest(), headers);

        Assert.NotNull(page);
    }

    [Fact]
    public async Task AnotherTenantsSession_IsNotFoundExactlyLikeAMissingOne_AndStaysUntouched()
    {
        var alpha = _server.Client(TestTenants.AlphaKey);
        var beta = _server.Client(TestTenants.BetaKey);
        var session = await alpha.CreateAsync();
        var missing = SessionIds.New();

        foreach (var id in new[] { session.Id, missing })
        {
            var expected = $"Session '{id}' was not found.";
            await AssertNotFound(expected, () => beta.GetSessionAsync(new GetSessionRequest { SessionId = id }).ResponseAsync);
            await AssertNotFound(expected, () => beta.UndoAsync(new UndoRequest { SessionId = id }).ResponseAsync);
            await AssertNotFound(expected, () => beta.CheckoutAsync(new CheckoutRequest { SessionId = id, Index = 0 }).ResponseAsync);
            await AssertNotFound(expected, () => beta.DeleteSessionAsync(new DeleteSessionRequest { SessionId = id }).ResponseAsync);
            await AssertNotFound(expected, () => beta.ExportLatentAsync(new ExportLatentRequest { SessionId = id }).ResponseAsync);
            await AssertNotFound(expected, () => beta.ExportImageAsync(new ExportImageRequest { SessionId = id }).ResponseAsync);
            await AssertNotFound(expected, () => beta.ExportAnimationAsync(new ExportAnimationRequest { SessionId = id }).ResponseAsync);
        }
        await AssertNotFound("Session 'not-an-id' was not found.", () => beta.GetSessionAsync(new GetSessionRequest { SessionId = "not-an-id" }).ResponseAsync);

        Assert.DoesNotContain(session.Id, (await beta.ListSessionsAsync(new ListSessionsRequest())).Sessions.Select(s => s.Id));
        var intact = await alpha.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Equal(session, intact);
    }

    [Fact]
    public async Task AnOversizeUpload_IsResourceExhaustedBeforeAnyWork()
    {
        var image = new EncodedImage { Encoding = ImageEncoding.Png, Data = ByteString.CopyFrom(new byte[MaxReceiveMessageBytes + 1]) };

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Client().CreateSessionAsync(new CreateSessionRequest
        {
            Image = new ImageSessionSource { Image = image },
        }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Health_IsServedWithoutAKey()
    {
        var health = new Health.HealthClient(_server.Channel);

        var overall = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, overall.Status);
    }

    [Fact]
    public async Task GrpcWeb_OnTheHttp1Endpoint_ServesKeyedCallsAndRefusesOthers()
    {
        var session = await _server.WebClient().CreateAsync();

        var read = await _server.Client().GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Equal(session.Id, read.Id);
        await AssertUnauthenticated(() => _server.WebClient(apiKey: null).GetSessionAsync(new GetSessionRequest { SessionId = session.Id }).ResponseAsync);
    }

    [Fact]
    public async Task Flooding_ExhaustsOnlyTheFloodingTenantsBucket()
    {
        await using var limited = await SessionsServer.StartAsync(Settings(
        [
            new("Sessions:RateLimit:TokenLimit", "3"),
            new("Sessions:RateLimit:TokensPerPeriod", "1"),
            new("Sessions:RateLimit:ReplenishmentPeriod", "00:01:00"),
        ]));
        var alpha = limited.Client(TestTenants.AlphaKey);

        var outcomes = new List<StatusCode>();
        RpcException? refused = null;
        for (var i = 0; i < 8; i++)
        {
            try
            {
                await alpha.ListSessionsAsync(new ListSessionsRequest());
                outcomes.Add(StatusCode.OK);
            }
            catch (RpcException e)
            {
                outcomes.Add(e.StatusCode);
                refused = e;
            }
        }

        Assert.Equal([.. Enumerable.Repeat(StatusCode.OK, 3), .. Enumerable.Repeat(StatusCode.ResourceExhausted, 5)], outcomes);
        Assert.NotNull(refused!.Trailers.GetValue("retry-after"));
        await limited.Client(TestTenants.BetaKey).ListSessionsAsync(new ListSessionsRequest());
    }

    [Fact]
    public async Task WrongKeysFromOneAddress_AreCutOff_WhileTheRightKeyStillWorks()
    {
        await using var limited = await SessionsServer.StartAsync(Settings(
        [
            new("Sessions:FailedKeyLimit:Attempts", "3"),
            new("Sessions:FailedKeyLimit:Window", "00:05:00"),
        ]));
        for (var i = 0; i < 3; i++)
            await AssertUnauthenticated(() => limited.Client($"guess-{i}").ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);

        // The window is used up: a fourth guess is told to wait. The right key, from the same
        // address, is no guess: clients that share an address are not locked out by one of them.
        var error = await Assert.ThrowsAsync<RpcException>(() => limited.Client("guess-3").ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);
        await limited.Client(TestTenants.AlphaKey).ListSessionsAsync(new ListSessionsRequest());

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("wrong API keys", error.Status.Detail);
        Assert.True(int.Parse(error.Trailers.GetValue("retry-after")!) > 0);
    }

    [Fact]
    public async Task RightKeys_DoNotCountAgainstTheAddress()
    {
        await using var limited = await SessionsServer.StartAsync(Settings([new("Sessions:FailedKeyLimit:Attempts", "1")]));

        for (var i = 0; i < 5; i++)
            await limited.Client(TestTenants.AlphaKey).ListSessionsAsync(new ListSessionsRequest());
        await AssertUnauthenticated(() => limited.Client("guess").ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);
    }

    [Fact]
    public async Task Reflection_NeedsAKey()
    {
        var request = new ServerReflectionRequest { ListServices = "" };

        using (var anonymous = new ServerReflection.ServerReflectionClient(_server.Channel).ServerReflectionInfo())
        {
            // Refused on its headers: no message needs to be sent for the answer.
            var error = await Assert.ThrowsAsync<RpcException>(() => anonymous.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        }

        var headers = new Metadata { { "authorization", $"Bearer {TestTenants.AlphaKey}" } };
        using var keyed = new ServerReflection.ServerReflectionClient(_server.Channel).ServerReflectionInfo(headers);
        await keyed.RequestStream.WriteAsync(request);
        Assert.True(await keyed.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains(DragGan.Protos.V1.Sessions.Descriptor.FullName, keyed.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
    }

    [Fact]
    public async Task TheDevelopmentEnvironmentAlone_KeepsKeysRequired()
    {
        // What a container started with ASPNETCORE_ENVIRONMENT=Development gets: no anonymous access
        // unless Sessions:AllowAnonymous is set as well.
        await using var development = await SessionsServer.StartAsync(Settings(), ["--environment", "Development"]);

        await AssertUnauthenticated(() => development.Client(apiKey: null).ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);
    }

    [Fact]
    public void AnonymousAccess_OutsideDevelopment_RefusesToStart()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => SessionsHost.CreateApplication([], builder =>
            Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(builder.Configuration,
                [new("Sessions:AllowAnonymous", "true")])));

        Assert.Contains("AllowAnonymous", error.Message);
    }

    [Fact]
    public async Task DevelopmentMode_LetsCallsWithoutAKeyActForTheLocalTenant()
    {
        await using var development = await SessionsServer.StartAsync(
            Settings([new("Sessions:AllowAnonymous", "true")]), ["--environment", "Development"]);

        var session = await development.Client(apiKey: null).CreateAsync();

        Assert.Single((await development.Client(apiKey: null).ListSessionsAsync(new ListSessionsRequest())).Sessions);
        Assert.Empty((await development.Client(TestTenants.AlphaKey).ListSessionsAsync(new ListSessionsRequest())).Sessions);
        await AssertUnauthenticated(() => development.Client("wrong").GetSessionAsync(new GetSessionRequest { SessionId = session.Id }).ResponseAsync);
    }

    private IEnumerable<KeyValuePair<string, string?>> Settings(IEnumerable<KeyValuePair<string, string?>>? extra = null) =>
    [
        new("Sessions:InferenceAddress", inference.Address),
        new("Sessions:MaxReceiveMessageBytes", MaxReceiveMessageBytes.ToString()),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        .. extra ?? [],
    ];

    private static async Task AssertUnauthenticated(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("API key", error.Status.Detail);
    }

    private static async Task AssertNotFound(string message, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(message, error.Status.Detail);
    }
}

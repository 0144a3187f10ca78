using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// Wrong-key lockout that cannot be turned on others: it refuses further guesses from the client
/// address that made them, never a valid key; and the client address comes from X-Forwarded-For
/// only when the call arrives through a configured trusted proxy (<c>Sessions:ForwardedHeaders</c>).
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class KeyLockoutTests(InferenceServer inference, SqliteBackend backend) : IClassFixture<SqliteBackend>
{
    private const int Attempts = 3;

    [Fact]
    public async Task AClientThatGuessesTooOften_CannotLockOutValidKeysThatShareItsAddress()
    {
        // Behind an ingress with no trusted proxy configured, every client shares one address.
        await using var server = await StartAsync();
        await GuessUntilLockedOutAsync(server, forwardedFor: null);

        await server.Client(TestTenants.AlphaKey).ListSessionsAsync(new ListSessionsRequest());
        await server.Client(TestTenants.BetaKey).ListSessionsAsync(new ListSessionsRequest());
        await AssertLockedOutAsync(server.Client("guess-again").ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);
    }

    [Fact]
    public async Task ThroughATrustedProxy_GuessesCountAgainstTheForwardedAddressAlone()
    {
        await using var server = await StartAsync([new("Sessions:ForwardedHeaders:KnownProxies:0", "127.0.0.1")]);
        await GuessUntilLockedOutAsync(server, forwardedFor: "203.0.113.5");

        // Another client behind the same proxy still gets its answer about the key.
        var other = await Assert.ThrowsAsync<RpcException>(() => server.Client("other-guess")
            .ListSessionsAsync(new ListSessionsRequest(), Forwarded("203.0.113.6")).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, other.StatusCode);
    }

    [Fact]
    public async Task WithoutATrustedProxy_XForwardedForIsIgnored_SoGuessesCannotHideBehindIt()
    {
        await using var server = await StartAsync();
        for (var i = 0; i < Attempts; i++)
            await Assert.ThrowsAsync<RpcException>(() => server.Client($"guess-{i}")
                .ListSessionsAsync(new ListSessionsRequest(), Forwarded($"198.51.100.{i}")).ResponseAsync);

        await AssertLockedOutAsync(server.Client("guess-new").ListSessionsAsync(new ListSessionsRequest(), Forwarded("198.51.100.99")).ResponseAsync);
    }

    [Fact]
    public async Task ATrustedNetworkThatIsNoNetwork_IsRefusedAtStartup()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => StartAsync([new("Sessions:ForwardedHeaders:KnownNetworks:0", "10.0.0.0/33")]));

        Assert.Contains("Sessions:ForwardedHeaders:KnownNetworks:0", error.Message);
    }

    private Task<SessionsServer> StartAsync(IEnumerable<KeyValuePair<string, string?>>? extra = null) => SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inference.Address),
        new("Sessions:FailedKeyLimit:Attempts", Attempts.ToString()),
        new("Sessions:FailedKeyLimit:Window", "00:05:00"),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        .. extra ?? [],
    ]);

    private static async Task GuessUntilLockedOutAsync(SessionsServer server, string? forwardedFor)
    {
        var headers = forwardedFor is null ? null : Forwarded(forwardedFor);
        for (var i = 0; i < Attempts; i++)
        {
            var wrong = await Assert.ThrowsAsync<RpcException>(() => server.Client($"guess-{i}").ListSessionsAsync(new ListSessionsRequest(), headers).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        }
        await AssertLockedOutAsync(server.Client("guess-last").ListSessionsAsync(new ListSessionsRequest(), headers).ResponseAsync);
    }

    private static async Task AssertLockedOutAsync(Task call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("wrong API keys", error.Status.Detail);
    }

    private static Metadata Forwarded(string address) => new() { { "x-forwarded-for", address } };
}

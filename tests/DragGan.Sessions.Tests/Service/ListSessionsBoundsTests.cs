using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>ListSessions reads a bounded number of bytes per page, whatever the view and the page size.</summary>
[Collection(InferenceCollection.Name)]
public sealed class ListSessionsBoundsTests(InferenceServer inference, RedisBackend backend) : IClassFixture<RedisBackend>, IAsyncLifetime
{
    // The smallest budget allowed; a demo session (one 14 x 512 latent) is about 29 KB.
    private const int PageBytes = 64 * 1024;

    private SessionsServer _server = null!;

    public async Task InitializeAsync() => _server = await SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inference.Address),
        new("Sessions:ListPageBytes", PageBytes.ToString()),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
    ]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task FullViewPages_EndAtTheByteBudget_AndTheTokensReachEverySessionOnce()
    {
        var client = _server.Client();
        var created = new List<string>();
        for (ulong seed = 1; seed <= 5; seed++)
            created.Add((await client.CreateAsync(seed)).Id);

        var pages = new List<int>();
        var listed = new List<string>();
        var token = "";
        do
        {
            var page = await client.ListSessionsAsync(new ListSessionsRequest { PageSize = 100, PageToken = token, View = SessionView.Full });
            pages.Add(page.Sessions.Count);
            listed.AddRange(page.Sessions.Select(s => s.Id));
            Assert.All(page.Sessions, s => Assert.NotNull(s.History[0].Latent));
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        Assert.True(pages.Count >= 3, $"pages of {string.Join(", ", pages)} sessions");
        Assert.All(pages, count => Assert.InRange(count, 1, 2));
        Assert.Equal(created.Order(), listed.Order());
    }
}

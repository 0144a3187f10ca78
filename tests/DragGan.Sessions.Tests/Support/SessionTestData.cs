using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Storage;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;

namespace DragGan.Sessions.Tests.Support;

/// <summary>Requests and commits the service tests repeat.</summary>
public static class SessionTestData
{
    public const string DemoModel = Engine.Models.DemoModel.Name;
    public const int DemoNumWs = 14;
    public const int DemoWDim = 512;

    public static CreateSessionRequest FromSeed(ulong seed, ImageOptions? image = null) =>
        new() { Seed = new SeedSessionSource { Seed = seed }, ImageOptions = image };

    public static async Task<Protos.V1.Session> CreateAsync(this SessionsClient client, ulong seed = 7) =>
        (await client.CreateSessionAsync(FromSeed(seed))).Session;

    /// <summary>A latent of the session's shape, shifted so each commit is distinguishable.</summary>
    public static Latent Shifted(Latent latent, float by)
    {
        var shifted = new Latent { Rows = latent.Rows, WDim = latent.WDim };
        shifted.Values.AddRange(latent.Values.Select(v => v + by));
        return shifted;
    }

    public static PointPair Pair(double hx, double hy, double tx, double ty) =>
        new() { Handle = new Point { X = hx, Y = hy }, Target = new Point { X = tx, Y = ty } };

    /// <summary>Commits a drag (as the drag proxy will) whose latent is the session's current one shifted by <paramref name="by"/>.</summary>
    public static async Task<DragCommitResult> CommitDragAsync(
        this SessionsServer server, string tenant, Protos.V1.Session session, float by, IReadOnlyList<StoredDragFrame>? frames = null, Latent? latent = null)
    {
        var editor = server.Editor;
        var key = new SessionKey(tenant, session.Id);
        var current = SessionHistory.Current((await editor.GetAsync(key, CancellationToken.None)).Value.Session).Latent;
        return await editor.CommitDragAsync(key, new CommittedDrag(
            SessionIds.New(), latent ?? Shifted(current, by), [Pair(100, 128, 130 + by, 128)], null,
            new DragParameters { MaxSteps = 40 }, 12, DragOutcome.Converged, frames), CancellationToken.None);
    }

    /// <summary>
    /// Starts a 3-step drag of one pair on <paramref name="session"/> that nobody watches (the
    /// service must commit it after its drag idle timeout), waits for the commit and asserts that
    /// the drag is the newest history entry, with its 3 steps and a new latent.
    /// </summary>
    /// <returns>That history entry.</returns>
    public static async Task<HistoryEntry> DragThreeStepsUnwatchedAsync(SessionsClient client, Protos.V1.Session session, PointPair pair)
    {
        var started = await client.StartDragAsync(new StartDragRequest
        {
            Start = new SessionDragStart { SessionId = session.Id, Points = { pair }, Parameters = new DragParameters { MaxSteps = 3, StopDistance = 0.5 } },
        });
        var committed = await WaitForAsync(async () =>
        {
            var read = await client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
            return read.ActiveDrag is null ? read : null;
        }, TimeSpan.FromSeconds(120));
        var entry = committed.History[^1];
        Assert.Equal((HistoryEntryKind.Drag, started.ActiveDrag.DragId, 3u), (entry.Kind, entry.DragId, entry.Steps));
        Assert.NotEqual(session.Latent, committed.Latent);
        return entry;
    }

    /// <summary>Polls <paramref name="probe"/> every 100 ms until it returns a value; fails after <paramref name="timeout"/> (30 s by default).</summary>
    /// <summary>A drag that steps until it is stopped: its handle never gets within the stop distance in time.</summary>
    public static SessionDragStart EndlessStart(string sessionId) => new()
    {
        SessionId = sessionId,
        Points = { Pair(100, 128, 130, 128) },
        Parameters = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 },
    };

    public static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan? timeout = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await probe() is { } found)
                return found;
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the condition");
            await Task.Delay(100);
        }
    }
}

using DragGan.Protos.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;

namespace DragGan.SoakTests;

/// <summary>
/// One tenant's view of the session service replicas: its API key on every call, a client per
/// replica, and what it did.
/// </summary>
internal sealed class Tenant
{
    private readonly SessionsClient[] _replicas;
    private int _next;

    public Tenant(string name, string apiKey, IReadOnlyList<GrpcChannel> replicas)
    {
        Name = name;
        _replicas = [.. replicas.Select(channel => new SessionsClient(channel.CreateCallInvoker().Intercept(metadata =>
        {
            metadata.Add("authorization", $"Bearer {apiKey}");
            return metadata;
        })))];
    }

    public string Name { get; }

    /// <summary>The client of replica <paramref name="index"/> (modulo the replica count).</summary>
    public SessionsClient On(int index) => _replicas[index % _replicas.Length];

    /// <summary>The next replica's client, round-robin: a tenant's calls spread over all replicas.</summary>
    public SessionsClient Next() => On((int)((uint)Interlocked.Increment(ref _next) % _replicas.Length));

    /// <summary>Sessions this tenant created and did not delete: each must be usable at the end.</summary>
    public HashSet<string> LiveSessions { get; } = [];

    /// <summary>Sessions this tenant deleted: each must be gone, its drag ended, at the end.</summary>
    public HashSet<string> DeletedSessions { get; } = [];

    public void Created(string sessionId)
    {
        lock (LiveSessions)
            LiveSessions.Add(sessionId);
    }

    public async Task DeleteAsync(SessionsClient client, string sessionId, CancellationToken cancellation)
    {
        await client.DeleteSessionAsync(new DeleteSessionRequest { SessionId = sessionId }, cancellationToken: cancellation);
        lock (LiveSessions)
        {
            LiveSessions.Remove(sessionId);
            DeletedSessions.Add(sessionId);
        }
    }

    public Task<Session> CreateAsync(ulong seed, CancellationToken cancellation) => CreateAsync(Next(), seed, cancellation);

    public async Task<Session> CreateAsync(SessionsClient client, ulong seed, CancellationToken cancellation)
    {
        var response = await client.CreateSessionAsync(new CreateSessionRequest { Seed = new SeedSessionSource { Seed = seed } }, cancellationToken: cancellation);
        Created(response.Session.Id);
        return response.Session;
    }

    /// <summary>A one-point drag from the left third to the right third of the image, kept from converging.</summary>
    public static SessionDragStart DragStart(string sessionId, uint resolution, uint maxSteps, FrameOptions frames, int variant = 0)
    {
        var start = new SessionDragStart
        {
            SessionId = sessionId,
            Parameters = new DragParameters { MaxSteps = maxSteps, StopDistance = 0.5 },
            FrameOptions = frames,
        };
        var row = resolution * (0.3 + 0.05 * (variant % 8));
        start.Points.Add(new PointPair
        {
            Handle = new Point { X = resolution * 0.3, Y = row },
            Target = new Point { X = resolution * 0.8, Y = row },
        });
        return start;
    }
}

using DragGan.Protos.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;

namespace DragGan.SoakTests;

/// <summary>One tenant's view of the session service: its API key on every call, and what it did.</summary>
internal sealed class Tenant(string name, string apiKey, GrpcChannel channel)
{
    public string Name { get; } = name;

    public string ApiKey { get; } = apiKey;

    public SessionsClient Client { get; } = new(channel.CreateCallInvoker().Intercept(metadata =>
    {
        metadata.Add("authorization", $"Bearer {apiKey}");
        return metadata;
    }));

    /// <summary>Sessions this tenant created and did not delete: each must be usable at the end.</summary>
    public HashSet<string> LiveSessions { get; } = [];

    public void Created(string sessionId)
    {
        lock (LiveSessions)
            LiveSessions.Add(sessionId);
    }

    public void Deleted(string sessionId)
    {
        lock (LiveSessions)
            LiveSessions.Remove(sessionId);
    }

    public async Task<Session> CreateAsync(ulong seed, CancellationToken cancellation)
    {
        var response = await Client.CreateSessionAsync(new CreateSessionRequest { Seed = new SeedSessionSource { Seed = seed } }, cancellationToken: cancellation);
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

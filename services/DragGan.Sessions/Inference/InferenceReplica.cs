using System.Security.Cryptography;
using System.Text;
using DragGan.Protos.V1;
using Grpc.Health.V1;
using Grpc.Net.Client;
using InferenceClient = DragGan.Protos.V1.Inference.InferenceClient;

namespace DragGan.Sessions.Inference;

/// <summary>One inference replica the session service can place drags on: its channel, and what this process knows of it.</summary>
public sealed class InferenceReplica(string address, GrpcChannel channel) : IDisposable
{
    private int _activeDrags;
    private long _unhealthyUntilTicks;
    private long _servingCheckedTicks;
    private long _listedTicks;
    private (HashSet<string> Names, DateTimeOffset At)? _models;

    public string Address { get; } = address;

    /// <summary>What clients see of the replica (ActiveDrag.replica): a stable name that does not reveal its address.</summary>
    public string Name { get; } = NameOf(address);

    public InferenceClient Client { get; } = new(channel);

    public Health.HealthClient Health { get; } = new(channel);

    /// <summary>Drags this process runs on the replica (its share of the replica's load).</summary>
    public int ActiveDrags => Volatile.Read(ref _activeDrags);

    public bool MarkedUnhealthy(DateTimeOffset now) => now.UtcTicks < Interlocked.Read(ref _unhealthyUntilTicks);

    /// <summary>Keeps new drags away for <paramref name="period"/> (it failed a call or a health check).</summary>
    public void MarkUnhealthy(DateTimeOffset now, TimeSpan period) => Interlocked.Exchange(ref _unhealthyUntilTicks, (now + period).UtcTicks);

    /// <summary>It answered SERVING at <paramref name="now"/>; a check soon after can rely on that.</summary>
    public void MarkServing(DateTimeOffset now) => Interlocked.Exchange(ref _servingCheckedTicks, now.UtcTicks);

    public bool ServingSince(DateTimeOffset since) => Interlocked.Read(ref _servingCheckedTicks) >= since.UtcTicks;

    /// <summary>When the replica's address was last among the replicas' addresses.</summary>
    public DateTimeOffset LastListed => new(Interlocked.Read(ref _listedTicks), TimeSpan.Zero);

    public void MarkListed(DateTimeOffset now) => Interlocked.Exchange(ref _listedTicks, now.UtcTicks);

    /// <summary>Whether the replica serves <paramref name="model"/> (its model list, cached for <paramref name="cacheFor"/>).</summary>
    public async Task<bool> ServesAsync(string model, DateTimeOffset now, TimeSpan cacheFor, CancellationToken cancellationToken)
    {
        if (_models is not { } cached || now - cached.At > cacheFor)
        {
            var response = await Client.ListModelsAsync(new ListModelsRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken);
            cached = (response.Models.Select(m => m.Name).ToHashSet(StringComparer.OrdinalIgnoreCase), now);
            _models = cached;
        }
        return cached.Names.Contains(model);
    }

    public IDisposable TrackDrag()
    {
        Interlocked.Increment(ref _activeDrags);
        return new Release(this);
    }

    public void Dispose() => channel.Dispose();

    /// <summary>"replica-" and the first 12 hex digits of the address's SHA-256: stable across processes, opaque to clients.</summary>
    public static string NameOf(string address) =>
        "replica-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(address.ToLowerInvariant())))[..12];

    private sealed class Release(InferenceReplica replica) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                Interlocked.Decrement(ref replica._activeDrags);
        }
    }
}

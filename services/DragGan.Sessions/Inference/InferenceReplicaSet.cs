using System.Collections.Concurrent;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Services;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Inference;

/// <summary>
/// The inference replicas drags are placed on, at the addresses <see cref="IInferenceAddresses"/>
/// gives on every placement (see <see cref="ConfiguredInferenceAddresses"/>). Drags need to pick one
/// replica and, when it fails, another one: a balanced channel would hide which replica serves a
/// stream, so each replica gets its own. A replica whose address has not been listed for
/// <see cref="ForgetAfter"/> and that runs none of this process's drags is forgotten and its channel
/// closed, so that replicas coming and going (pods replaced, scaled) leave nothing behind.
/// </summary>
/// <remarks>
/// A replica is a candidate when it answers the grpc.health.v1 check SERVING (it turns
/// NOT_SERVING while it drains), or is only slow to answer having served within
/// <see cref="SlowAnswerGrace"/>, and has not failed a call in the last <see cref="FailurePause"/>.
/// Candidates come least loaded first, by the drags this process runs on each; a drag's candidates
/// are the replicas that serve its model. A full replica answers RESOURCE_EXHAUSTED, and the drag
/// moves on to the next candidate; a full replica is a healthy one, so it stays a candidate for
/// everything else. Each replica's connection is pinged (HTTP/2 keepalive), so one that vanished
/// silently fails its calls within <see cref="SessionsOptions.InferenceKeepAliveTimeout"/> of a ping.
/// </remarks>
public sealed class InferenceReplicaSet(IInferenceAddresses addresses, IOptions<SessionsOptions> options, TimeProvider time, ILogger<InferenceReplicaSet> logger)
    : IDisposable
{
    /// <summary>How long an address may be missing from the list before its replica is forgotten (once it runs no drag of ours).</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan FailurePause = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan HealthCacheDuration = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A replica that answered SERVING this recently and is now slow to answer is busy, not gone:
    /// one forward can hold a loaded machine's cores past <see cref="HealthTimeout"/>. A replica that
    /// vanished fails its calls by keepalive instead, and is then set aside.
    /// </summary>
    internal static readonly TimeSpan SlowAnswerGrace = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, InferenceReplica> _replicas = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Replicas this process holds a channel to.</summary>
    internal int KnownReplicas => _replicas.Count;

    /// <summary>
    /// Healthy replicas, least loaded first, without <paramref name="exclude"/>; with a
    /// <paramref name="model"/>, only those that serve it (replicas may serve different models).
    /// </summary>
    public async Task<IReadOnlyList<InferenceReplica>> CandidatesAsync(IReadOnlySet<string> exclude, CancellationToken cancellationToken, string? model = null)
    {
        var now = time.GetUtcNow();
        var listed = (await addresses.CurrentAsync(cancellationToken)).Select(Replica).ToList();
        foreach (var replica in listed)
            replica.MarkListed(now);
        Forget(now);
        var replicas = listed
            .Where(r => !exclude.Contains(r.Address))
            .Where(r => !r.MarkedUnhealthy(now))
            .ToList();
        var usable = await Task.WhenAll(replicas.Select(r => IsUsableAsync(r, model, cancellationToken)));
        return replicas.Where((_, i) => usable[i]).OrderBy(r => r.ActiveDrags).ToList();
    }

    /// <summary>A call to the replica failed as a dead or draining replica fails: place nothing there for a while.</summary>
    public void ReportFailure(InferenceReplica replica, Exception error)
    {
        logger.LogWarning(error, "Inference replica {Address} failed; avoiding it for {Seconds} s", replica.Address, FailurePause.TotalSeconds);
        replica.MarkUnhealthy(time.GetUtcNow(), FailurePause);
    }

    /// <summary>The least loaded healthy replica (that serves <paramref name="model"/>, when given), for unary calls.</summary>
    /// <exception cref="TemporarilyUnavailableException">When none is.</exception>
    public async Task<InferenceReplica> AnyAsync(CancellationToken cancellationToken, string? model = null) =>
        (await CandidatesAsync(new HashSet<string>(), cancellationToken, model)).FirstOrDefault()
        ?? throw new TemporarilyUnavailableException(
            model is null ? "No inference replica is available; retry later." : $"No inference replica that serves model {ClientText.Quote(model)} is available; retry later.");

    private async Task<bool> IsUsableAsync(InferenceReplica replica, string? model, CancellationToken cancellationToken)
    {
        if (!await IsServingAsync(replica, cancellationToken))
            return false;
        if (model is null)
            return true;
        try
        {
            return await replica.ServesAsync(model, time.GetUtcNow(), options.Value.ModelCacheDuration, cancellationToken);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            ReportFailure(replica, e);
            return false;
        }
    }

    private async Task<bool> IsServingAsync(InferenceReplica replica, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (replica.ServingSince(now - HealthCacheDuration))
            return true;
        try
        {
            var response = await replica.Health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + HealthTimeout, cancellationToken: cancellationToken);
            var serving = response.Status == HealthCheckResponse.Types.ServingStatus.Serving;
            if (serving)
                replica.MarkServing(now);
            return serving;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded && replica.ServingSince(now - SlowAnswerGrace) && !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Inference replica {Address} answered no health check within {Seconds} s; it served moments ago, so it counts as busy", replica.Address, HealthTimeout.TotalSeconds);
            return true;
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            ReportFailure(replica, e);
            return false;
        }
    }

    /// <summary>Closes the channels of replicas no longer listed that run none of this process's drags.</summary>
    private void Forget(DateTimeOffset now)
    {
        foreach (var (address, replica) in _replicas)
        {
            if (now - replica.LastListed < ForgetAfter || replica.ActiveDrags > 0)
                continue;
            if (_replicas.TryRemove(new KeyValuePair<string, InferenceReplica>(address, replica)))
            {
                logger.LogInformation("Inference replica {Address} ({Name}) has left the address list; its channel is closed", address, replica.Name);
                replica.Dispose();
            }
        }
    }

    private InferenceReplica Replica(string address) => _replicas.GetOrAdd(address, a =>
    {
        var replica = new InferenceReplica(a, GrpcChannel.ForAddress(a, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = options.Value.MaxSendMessageBytes,
            MaxSendMessageSize = options.Value.MaxReceiveMessageBytes,
            // Pings notice a replica that vanished without closing its connection (see SessionsOptions.InferenceKeepAliveInterval).
            HttpHandler = new SocketsHttpHandler
            {
                KeepAlivePingDelay = options.Value.InferenceKeepAliveInterval,
                KeepAlivePingTimeout = options.Value.InferenceKeepAliveTimeout,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                EnableMultipleHttp2Connections = true,
            },
            DisposeHttpClient = true,
        }));
        // Listed from birth: a concurrent Forget must not take it before its caller marks it.
        replica.MarkListed(time.GetUtcNow());
        return replica;
    });

    public void Dispose()
    {
        foreach (var replica in _replicas.Values)
            replica.Dispose();
    }
}

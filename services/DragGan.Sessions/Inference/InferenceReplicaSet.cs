using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Inference;

/// <summary>
/// The inference replicas drags are placed on, from <see cref="SessionsOptions.InferenceAddress"/>:
/// a comma-separated list of addresses, or <c>dns:///host:port</c> (a Kubernetes headless
/// service), whose A records are resolved again on every placement (cached for a few seconds), so
/// replicas that come and go are followed. Drags need to pick one replica and, when it fails, another
/// one: a balanced channel would hide which replica serves a stream, so each replica gets its own.
/// </summary>
/// <remarks>
/// A replica is a candidate when it answers the grpc.health.v1 check SERVING (it turns
/// NOT_SERVING while it drains) and has not failed a call in the last <see cref="FailurePause"/>.
/// Candidates come least loaded first, by the drags this process runs on each; a drag's candidates
/// are the replicas that serve its model. A full replica answers RESOURCE_EXHAUSTED, and the drag
/// moves on to the next candidate; a full replica is a healthy one, so it stays a candidate for
/// everything else. Each replica's connection is pinged (HTTP/2 keepalive), so one that vanished
/// silently fails its calls within <see cref="SessionsOptions.InferenceKeepAliveTimeout"/> of a ping.
/// </remarks>
public sealed class InferenceReplicaSet(IOptions<SessionsOptions> options, TimeProvider time, ILogger<InferenceReplicaSet> logger) : IDisposable
{
    private static readonly TimeSpan FailurePause = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ResolveInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HealthCacheDuration = TimeSpan.FromSeconds(1);
    private const string DnsScheme = "dns:///";

    private readonly ConcurrentDictionary<string, InferenceReplica> _replicas = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _resolve = new(1, 1);
    private (IReadOnlyList<string> Addresses, DateTimeOffset At)? _resolved;

    /// <summary>
    /// Healthy replicas, least loaded first, without <paramref name="exclude"/>; with a
    /// <paramref name="model"/>, only those that serve it (replicas may serve different models).
    /// </summary>
    public async Task<IReadOnlyList<InferenceReplica>> CandidatesAsync(IReadOnlySet<string> exclude, CancellationToken cancellationToken, string? model = null)
    {
        var replicas = (await AddressesAsync(cancellationToken))
            .Where(address => !exclude.Contains(address))
            .Select(Replica)
            .Where(r => !r.MarkedUnhealthy(time.GetUtcNow()))
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
    /// <exception cref="RpcException">UNAVAILABLE when none is.</exception>
    public async Task<InferenceReplica> AnyAsync(CancellationToken cancellationToken, string? model = null) =>
        (await CandidatesAsync(new HashSet<string>(), cancellationToken, model)).FirstOrDefault()
        ?? throw new RpcException(new Status(StatusCode.Unavailable,
            model is null ? "No inference replica is available; retry later." : $"No inference replica that serves model '{model}' is available; retry later."));

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
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            ReportFailure(replica, e);
            return false;
        }
    }

    private async Task<IReadOnlyList<string>> AddressesAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.InferenceAddress;
        if (!configured.StartsWith(DnsScheme, StringComparison.OrdinalIgnoreCase))
            return configured.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        if (_resolved is { } cached && time.GetUtcNow() - cached.At < ResolveInterval)
            return cached.Addresses;
        await _resolve.WaitAsync(cancellationToken);
        try
        {
            var target = configured[DnsScheme.Length..];
            var colon = target.LastIndexOf(':');
            var (host, port) = colon > 0 ? (target[..colon], target[(colon + 1)..]) : (target, "50051");
            var ips = await Dns.GetHostAddressesAsync(host, cancellationToken);
            var addresses = ips.Select(ip => ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"http://[{ip}]:{port}" : $"http://{ip}:{port}")
                .Order(StringComparer.Ordinal).ToList();
            _resolved = (addresses, time.GetUtcNow());
            return addresses;
        }
        finally
        {
            _resolve.Release();
        }
    }

    private InferenceReplica Replica(string address) => _replicas.GetOrAdd(address, a => new InferenceReplica(a, GrpcChannel.ForAddress(a, new GrpcChannelOptions
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
    })));

    public void Dispose()
    {
        foreach (var replica in _replicas.Values)
            replica.Dispose();
        _resolve.Dispose();
    }
}

using System.Net;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Inference;

/// <summary>
/// The replicas named by <see cref="SessionsOptions.InferenceAddress"/>: a comma-separated list of
/// addresses, or <c>dns:///host:port</c> (a Kubernetes headless service), whose A and AAAA records
/// are resolved again every few seconds, so that replicas that come and go are followed.
/// </summary>
public sealed class ConfiguredInferenceAddresses(IOptions<SessionsOptions> options, TimeProvider time) : IInferenceAddresses, IDisposable
{
    private const string DnsScheme = "dns:///";
    private static readonly TimeSpan ResolveInterval = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _resolve = new(1, 1);
    private (IReadOnlyList<string> Addresses, DateTimeOffset At)? _resolved;

    public async Task<IReadOnlyList<string>> CurrentAsync(CancellationToken cancellationToken)
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

    public void Dispose() => _resolve.Dispose();
}

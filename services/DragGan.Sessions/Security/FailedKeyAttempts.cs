using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Security;

/// <summary>
/// Wrong API keys per client address, in fixed windows (<see cref="FailedKeyLimitOptions"/>). Once
/// an address has used up its window, its further wrong keys are refused with a retry-after, so
/// that trying harder gets a client nothing but waits; valid keys pass (see
/// <see cref="ApiKeyAuthenticationHandler"/>). Addresses that stop failing are forgotten
/// (the partitioned limiter drops idle windows), so the table stays as small as the set of
/// addresses that fail right now.
/// </summary>
public sealed class FailedKeyAttempts : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public FailedKeyAttempts(IOptions<SessionsOptions> options)
    {
        var limit = options.Value.FailedKeyLimit;
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ =>
            new FixedWindowRateLimiterOptions
            {
                PermitLimit = limit.Attempts,
                Window = limit.Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Whether <paramref name="address"/> has no wrong key left in its window, and when to try again.</summary>
    public bool IsBlocked(IPAddress? address, out TimeSpan? retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(KeyOf(address), permitCount: 0);
        retryAfter = !lease.IsAcquired && lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null;
        return !lease.IsAcquired;
    }

    /// <summary>Counts one wrong key against <paramref name="address"/>.</summary>
    public void Record(IPAddress? address)
    {
        using var _ = _limiter.AttemptAcquire(KeyOf(address));
    }

    public void Dispose() => _limiter.Dispose();

    // An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d: one address, one window.
    private static string KeyOf(IPAddress? address) =>
        address is null ? "" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}

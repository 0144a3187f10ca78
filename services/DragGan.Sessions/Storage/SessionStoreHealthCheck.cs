using DragGan.Sessions.Domain;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Storage;

/// <summary>
/// Healthy while the store answers a read (of an id that cannot exist). Health checks need no key,
/// so a healthy answer is reused for <see cref="SessionsOptions.HealthCheckCacheDuration"/>: a burst
/// of probes reads the store once. An unhealthy answer is not reused, so recovery shows at once.
/// </summary>
internal sealed class SessionStoreHealthCheck(ISessionStore store, IOptions<SessionsOptions> options, TimeProvider time) : IHealthCheck
{
    private long _healthyUntilTicks;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcTicks;
        if (now < Interlocked.Read(ref _healthyUntilTicks))
            return HealthCheckResult.Healthy("The session store answers.");
        try
        {
            await store.GetAsync(new SessionKey("health", SessionIds.New()), cancellationToken);
            Interlocked.Exchange(ref _healthyUntilTicks, now + options.Value.HealthCheckCacheDuration.Ticks);
            return HealthCheckResult.Healthy("The session store answers.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The session store does not answer.", e);
        }
    }
}

using DragGan.Sessions.Domain;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DragGan.Sessions.Storage;

/// <summary>Healthy while the store answers a read (of an id that cannot exist).</summary>
internal sealed class SessionStoreHealthCheck(ISessionStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.GetAsync(new SessionKey("health", SessionIds.New()), cancellationToken);
            return HealthCheckResult.Healthy("The session store answers.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The session store does not answer.", e);
        }
    }
}

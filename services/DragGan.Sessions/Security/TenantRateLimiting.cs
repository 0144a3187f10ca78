using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace DragGan.Sessions.Security;

/// <summary>
/// ASP.NET Core's rate limiter, partitioned by tenant: one token bucket per tenant per replica
/// (<see cref="RateLimitOptions"/>). A call that finds its bucket empty is answered
/// RESOURCE_EXHAUSTED with a retry-after (seconds), without reaching the service. It runs after
/// authentication, so unauthenticated calls are refused before they spend any tenant's tokens.
/// </summary>
public static class TenantRateLimiting
{
    public const string PolicyName = "per-tenant";

    public static IServiceCollection AddTenantRateLimiting(this IServiceCollection services, RateLimitOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PolicyName, http => RateLimitPartition.GetTokenBucketLimiter(
                TenantClaims.TenantOf(http.User) ?? "",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.TokenLimit,
                    TokensPerPeriod = options.TokensPerPeriod,
                    ReplenishmentPeriod = options.ReplenishmentPeriod,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = (rejected, _) =>
            {
                TimeSpan? retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null;
                return new ValueTask(GrpcStatusResponse.ResourceExhaustedAsync(rejected.HttpContext,
                    "The tenant's rate limit is reached; retry later.", retryAfter));
            };
        });
        return services;
    }
}

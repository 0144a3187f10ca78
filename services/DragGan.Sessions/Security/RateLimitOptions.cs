namespace DragGan.Sessions.Security;

/// <summary>
/// The per-tenant token bucket (<c>Sessions:RateLimit</c>). Every call takes one token; a call
/// finding the bucket empty fails with RESOURCE_EXHAUSTED. Buckets are per replica: with N
/// replicas behind a balancer a tenant gets up to N times these numbers.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Bucket size: the burst a tenant may send at once (default 100).</summary>
    public int TokenLimit { get; set; } = 100;

    /// <summary>Tokens added every <see cref="ReplenishmentPeriod"/> (default 50).</summary>
    public int TokensPerPeriod { get; set; } = 50;

    /// <summary>Default 1 second.</summary>
    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);

    internal IEnumerable<string> Problems(string path)
    {
        if (TokenLimit < 1)
            yield return $"{path}:TokenLimit must be at least 1, got {TokenLimit}.";
        if (TokensPerPeriod < 1)
            yield return $"{path}:TokensPerPeriod must be at least 1, got {TokensPerPeriod}.";
        if (ReplenishmentPeriod <= TimeSpan.Zero)
            yield return $"{path}:ReplenishmentPeriod must be positive, got {ReplenishmentPeriod}.";
    }
}

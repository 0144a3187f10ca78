using DragGan.Sessions.Drags;
using DragGan.Sessions.Exports;
using DragGan.Sessions.Security;
using DragGan.Sessions.Storage;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions;

/// <summary>
/// The ranges of <see cref="SessionsOptions"/>; each failure names its setting. Anonymous access
/// is refused outside the Development environment (<paramref name="isDevelopment"/>).
/// </summary>
internal sealed class SessionsOptionsValidator(bool isDevelopment) : IValidateOptions<SessionsOptions>
{
    private const string Section = SessionsOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, SessionsOptions options)
    {
        List<string> failures = [.. Problems(options).Select(problem => $"{Section}:{problem}")];
        for (var i = 0; i < options.ApiKeys.Count; i++)
            failures.AddRange(options.ApiKeys[i].Problems($"{Section}:ApiKeys:{i}"));
        failures.AddRange(options.RateLimit.Problems($"{Section}:RateLimit"));
        failures.AddRange(options.TenantLimits.Problems($"{Section}:TenantLimits"));
        failures.AddRange(options.TenantQuota.Problems($"{Section}:TenantQuota"));
        failures.AddRange(options.StoreBudget.Problems($"{Section}:StoreBudget"));
        failures.AddRange(options.ExportLimits.Problems($"{Section}:ExportLimits"));
        failures.AddRange(options.Relay.Problems($"{Section}:Relay"));
        failures.AddRange(options.FailedKeyLimit.Problems($"{Section}:FailedKeyLimit"));
        failures.AddRange(options.ForwardedHeaders.Problems($"{Section}:ForwardedHeaders"));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private IEnumerable<string> Problems(SessionsOptions o)
    {
        if (!Enum.IsDefined(o.Store))
            yield return $"Store must be Sqlite or Redis, got {o.Store}.";
        if (o.Store == SessionStoreKind.Sqlite && string.IsNullOrWhiteSpace(o.SqlitePath))
            yield return "SqlitePath must be set for the SQLite store.";
        if (!o.InferenceAddress.Split(',', StringSplitOptions.TrimEntries).All(a => Uri.TryCreate(a, UriKind.Absolute, out _)))
            yield return $"InferenceAddress must be absolute addresses separated by commas, or dns:///host:port, got '{o.InferenceAddress}'.";
        if (o.PersistEveryKSteps is < 1 or > 1000)
            yield return $"PersistEveryKSteps must be in 1..1000, got {o.PersistEveryKSteps}.";
        if (o.MaxHistory is < 1 or > 10_000)
            yield return $"MaxHistory must be in 1..10000, got {o.MaxHistory}.";
        if (o.DefaultTtl < TimeSpan.FromSeconds(1))
            yield return $"DefaultTtl must be at least 1 second, got {o.DefaultTtl}.";
        if (o.MaxTtl < o.DefaultTtl)
            yield return $"MaxTtl ({o.MaxTtl}) must be at least DefaultTtl ({o.DefaultTtl}).";
        if (o.MaxDragFrames is < 1 or > 10_000)
            yield return $"MaxDragFrames must be in 1..10000, got {o.MaxDragFrames}.";
        if (o.DragIdleTimeout <= TimeSpan.Zero)
            yield return $"DragIdleTimeout must be positive, got {o.DragIdleTimeout}.";
        if (o.LeaseDuration < TimeSpan.FromSeconds(1))
            yield return $"LeaseDuration must be at least 1 second, got {o.LeaseDuration}.";
        if (o.DragFrameMaxSide is < 16 or > 2048)
            yield return $"DragFrameMaxSide must be in 16..2048, got {o.DragFrameMaxSide}.";
        if (o.MaxDragFrameBytesPerSession < 64 * 1024)
            yield return $"MaxDragFrameBytesPerSession must be at least 65536, got {o.MaxDragFrameBytesPerSession}.";
        if (o.MaxDragFrameBytesPerTenant < o.MaxDragFrameBytesPerSession)
            yield return $"MaxDragFrameBytesPerTenant ({o.MaxDragFrameBytesPerTenant}) must be at least MaxDragFrameBytesPerSession ({o.MaxDragFrameBytesPerSession}).";
        if (o.ListPageBytes < 64 * 1024)
            yield return $"ListPageBytes must be at least 65536, got {o.ListPageBytes}.";
        if (o.UpdateAttempts is < 1 or > 100)
            yield return $"UpdateAttempts must be in 1..100, got {o.UpdateAttempts}.";
        if (o.HealthCheckCacheDuration < TimeSpan.Zero || o.HealthCheckCacheDuration > TimeSpan.FromMinutes(5))
            yield return $"HealthCheckCacheDuration must be in 0..5 minutes, got {o.HealthCheckCacheDuration}.";
        if (o.SweepInterval <= TimeSpan.Zero)
            yield return $"SweepInterval must be positive, got {o.SweepInterval}.";
        if (o.ModelCacheDuration < TimeSpan.Zero)
            yield return $"ModelCacheDuration must not be negative, got {o.ModelCacheDuration}.";
        if (o.InferenceKeepAliveInterval < TimeSpan.FromSeconds(1))
            yield return $"InferenceKeepAliveInterval must be at least 1 second, got {o.InferenceKeepAliveInterval}.";
        if (o.InferenceKeepAliveTimeout < TimeSpan.FromSeconds(1))
            yield return $"InferenceKeepAliveTimeout must be at least 1 second, got {o.InferenceKeepAliveTimeout}.";
        if (o.MaxReceiveMessageBytes < 1024)
            yield return $"MaxReceiveMessageBytes must be at least 1024, got {o.MaxReceiveMessageBytes}.";
        if (o.MaxSendMessageBytes < 1024)
            yield return $"MaxSendMessageBytes must be at least 1024, got {o.MaxSendMessageBytes}.";
        if (o.MetricsPort is < 0 or > 65535)
            yield return $"MetricsPort must be in 0..65535 (0 = off), got {o.MetricsPort}.";
        if (string.IsNullOrWhiteSpace(o.FfmpegPath))
            yield return "FfmpegPath must name the ffmpeg program or its path.";
        if (o.AllowAnonymous && !isDevelopment)
            yield return "AllowAnonymous is for the Development environment only; configure ApiKeys instead.";
        if (o.AllowAnonymous && !TenantNames.IsValid(o.AnonymousTenant))
            yield return $"AnonymousTenant must be 1..64 of [A-Za-z0-9._-], got '{o.AnonymousTenant}'.";
    }
}

using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Storage;

/// <summary>
/// The store's budget for all tenants together (<see cref="StoreBudgetOptions"/>): new sessions are
/// refused and drag frames not kept once the store holds it, leaving the headroom above it to the
/// writes that running work needs. Usage is read at most once per
/// <see cref="StoreBudgetOptions.UsageCacheDuration"/>; writes between two readings may pass the
/// budget by what they add, which the headroom absorbs.
/// </summary>
public sealed class StoreBudget(IStoreUsageReader reader, IOptions<SessionsOptions> options, TimeProvider time)
{
    private (DateTimeOffset ReadAt, StoreUsage Usage)? _last;

    private StoreBudgetOptions Options => options.Value.StoreBudget;

    /// <summary>Whether the store is below its budget (always, when there is none).</summary>
    public async Task<bool> HasRoomAsync(CancellationToken cancellationToken) => await CheckAsync(cancellationToken) is null;

    /// <summary>Throws <see cref="StoreQuotaExceededException"/> when the store holds its budget.</summary>
    public async Task RequireRoomAsync(CancellationToken cancellationToken)
    {
        if (await CheckAsync(cancellationToken) is { } refusal)
            throw refusal;
    }

    /// <summary>The budget in bytes for a store that reports <paramref name="usage"/>, or null when it has none.</summary>
    public long? BudgetOf(StoreUsage usage)
    {
        long? configured = Options.Bytes > 0 ? Options.Bytes : null;
        if (usage.LimitBytes is not { } limit)
            return configured;
        var belowLimit = Math.Max(0, limit - Options.HeadroomBytes);
        return configured is { } bytes ? Math.Min(bytes, belowLimit) : belowLimit;
    }

    private async Task<StoreQuotaExceededException?> CheckAsync(CancellationToken cancellationToken)
    {
        var usage = await UsageAsync(cancellationToken);
        return BudgetOf(usage) is { } budget && usage.UsedBytes >= budget
            ? StoreQuotaExceededException.Budget(usage.UsedBytes, budget)
            : null;
    }

    private async Task<StoreUsage> UsageAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_last is { } last && now - last.ReadAt < Options.UsageCacheDuration)
            return last.Usage;
        var usage = await reader.ReadAsync(cancellationToken);
        _last = (now, usage);
        return usage;
    }
}

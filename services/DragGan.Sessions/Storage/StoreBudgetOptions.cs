namespace DragGan.Sessions.Storage;

/// <summary>
/// The store's budget for all tenants together (<c>Sessions:StoreBudget</c>). New sessions and
/// kept drag frames stop at the budget; drag progress, commits, history moves and work leases go
/// on into the headroom above it, so that a full store never stops the work already running.
/// With Redis the budget is measured as its <c>used_memory</c> and lies at most at its
/// <c>maxmemory</c> less <see cref="HeadroomBytes"/>; with SQLite as the file's used pages.
/// </summary>
public sealed class StoreBudgetOptions
{
    /// <summary>
    /// The budget in bytes; 0 (default) = Redis's <c>maxmemory</c> less <see cref="HeadroomBytes"/>,
    /// or no budget where the store has no limit of its own (SQLite, Redis without maxmemory).
    /// </summary>
    public long Bytes { get; set; }

    /// <summary>
    /// Bytes kept free below Redis's <c>maxmemory</c> for progress, commits and leases (default
    /// 64 MiB). A configured <see cref="Bytes"/> above maxmemory less this is lowered to it.
    /// </summary>
    public long HeadroomBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long one reading of the store's usage is trusted (default 1 second).</summary>
    public TimeSpan UsageCacheDuration { get; set; } = TimeSpan.FromSeconds(1);

    internal IEnumerable<string> Problems(string path)
    {
        if (Bytes < 0)
            yield return $"{path}:Bytes must be 0 (from the store's own limit) or positive, got {Bytes}.";
        if (HeadroomBytes < 1024 * 1024)
            yield return $"{path}:HeadroomBytes must be at least 1048576 (1 MiB), got {HeadroomBytes}.";
        if (UsageCacheDuration < TimeSpan.Zero || UsageCacheDuration > TimeSpan.FromMinutes(1))
            yield return $"{path}:UsageCacheDuration must be in 0..1 minute, got {UsageCacheDuration}.";
    }
}

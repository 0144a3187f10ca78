namespace DragGan.Sessions.Storage;

/// <summary>
/// What one tenant may keep in the session store (<c>Sessions:TenantQuota</c>), counted by the
/// store itself over all the tenant's unexpired sessions. A create beyond either quota is refused
/// with RESOURCE_EXHAUSTED naming it; a drag frame beyond the bytes quota is not kept (the drag
/// goes on). Writes to existing sessions (progress, commits, history moves) are never refused by
/// the quota, so that a running drag is never lost to it: a session's own size is bounded by
/// <see cref="SessionsOptions.MaxHistory"/>.
/// </summary>
public sealed class TenantQuotaOptions
{
    /// <summary>Unexpired sessions per tenant (default 200).</summary>
    public int Sessions { get; set; } = 200;

    /// <summary>Stored bytes per tenant: its sessions and their kept drag frames together (default 320 MiB).</summary>
    public long StoredBytes { get; set; } = 320L * 1024 * 1024;

    internal IEnumerable<string> Problems(string path)
    {
        if (Sessions < 1)
            yield return $"{path}:Sessions must be at least 1, got {Sessions}.";
        if (StoredBytes < 1024 * 1024)
            yield return $"{path}:StoredBytes must be at least 1048576 (1 MiB), got {StoredBytes}.";
    }
}

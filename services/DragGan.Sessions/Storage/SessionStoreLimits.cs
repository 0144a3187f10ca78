namespace DragGan.Sessions.Storage;

/// <summary>
/// What a store keeps and reads at most: a tenant's sessions and stored bytes, the frames kept for
/// ExportAnimation (a count per session, bytes per session and per tenant) and the stored bytes one
/// listing page reads.
/// </summary>
public sealed record SessionStoreLimits
{
    /// <summary>The most recent frames of a session's latest drag (<see cref="SessionsOptions.MaxDragFrames"/>).</summary>
    public int MaxDragFrames { get; init; } = 120;

    /// <summary>Bytes of a session's kept frames (<see cref="SessionsOptions.MaxDragFrameBytesPerSession"/>).</summary>
    public long MaxDragFrameBytesPerSession { get; init; } = long.MaxValue;

    /// <summary>Bytes of the kept frames of all a tenant's sessions (<see cref="SessionsOptions.MaxDragFrameBytesPerTenant"/>).</summary>
    public long MaxDragFrameBytesPerTenant { get; init; } = long.MaxValue;

    /// <summary>Unexpired sessions of one tenant (<see cref="TenantQuotaOptions.Sessions"/>).</summary>
    public long MaxSessionsPerTenant { get; init; } = long.MaxValue;

    /// <summary>Stored bytes of one tenant, sessions and frames together (<see cref="TenantQuotaOptions.StoredBytes"/>).</summary>
    public long MaxStoredBytesPerTenant { get; init; } = long.MaxValue;

    /// <summary>Stored bytes one page of <see cref="ISessionStore.ListAsync"/> reads (<see cref="SessionsOptions.ListPageBytes"/>).</summary>
    public long MaxPageBytes { get; init; } = long.MaxValue;

    public static SessionStoreLimits From(SessionsOptions options) => new()
    {
        MaxDragFrames = options.MaxDragFrames,
        MaxDragFrameBytesPerSession = options.MaxDragFrameBytesPerSession,
        MaxDragFrameBytesPerTenant = options.MaxDragFrameBytesPerTenant,
        MaxPageBytes = options.ListPageBytes,
        MaxSessionsPerTenant = options.TenantQuota.Sessions,
        MaxStoredBytesPerTenant = options.TenantQuota.StoredBytes,
    };
}

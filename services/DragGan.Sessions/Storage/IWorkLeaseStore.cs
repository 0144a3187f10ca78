namespace DragGan.Sessions.Storage;

/// <summary>
/// Leases on the work tenants run (drags, inversions, generations), shared by every replica
/// through the session store. The leases a tenant holds of a kind are what the per-tenant limits
/// count, wherever they run; a drag's lease also says which process runs it, so that no two run
/// it at once. A lease lasts until it is released or, when its holder stops renewing it (a process
/// that died), until its duration has passed since the last renewal.
/// </summary>
public interface IWorkLeaseStore
{
    /// <summary>
    /// Takes <paramref name="lease"/> for <paramref name="duration"/> when no other holder has its
    /// id and the tenant's unexpired leases of its kind weigh at most
    /// <paramref name="capacity"/> minus its weight; a lease alone is always granted, however heavy.
    /// Taking an id the same holder has already renews it.
    /// </summary>
    Task<LeaseGrant> TryAcquireAsync(WorkLease lease, int capacity, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>
    /// Extends the lease by <paramref name="duration"/> from now (a lease that lapsed while nobody
    /// took its id is held again); false when another holder has it.
    /// </summary>
    Task<bool> RenewAsync(WorkLease lease, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives the lease back (nothing happens when its holder no longer has it).</summary>
    Task ReleaseAsync(WorkLease lease, CancellationToken cancellationToken);

    /// <summary>The holder of an unexpired lease with this id, or null.</summary>
    Task<string?> HolderAsync(string tenant, WorkKind kind, string id, CancellationToken cancellationToken);
}

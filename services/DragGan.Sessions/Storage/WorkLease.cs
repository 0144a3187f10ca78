namespace DragGan.Sessions.Storage;

/// <summary>What a tenant's lease is held for: each kind has its own per-tenant limit.</summary>
public enum WorkKind
{
    Drag,
    Inversion,
    /// <summary>The steps of a tenant's inversions: weighed by steps, so that long inversions cost more.</summary>
    InversionSteps,
    Generation,
    /// <summary>An animation export (ExportAnimation).</summary>
    Export,
}

/// <summary>
/// One lease of a tenant's work: <paramref name="Id"/> is unique within the tenant and kind (a drag
/// id, or a fresh id per call), <paramref name="Holder"/> the process that holds it, and
/// <paramref name="Weight"/> what it counts against the tenant's limit for the kind.
/// </summary>
public sealed record WorkLease(string Tenant, WorkKind Kind, string Id, string Holder, int Weight);

/// <summary>
/// The answer to an acquire: <see cref="Granted"/>; or refused because another holder has the
/// same id (<see cref="HeldBy"/>), or because the tenant's leases of the kind already weigh
/// <see cref="InUse"/>.
/// </summary>
public readonly record struct LeaseGrant(bool Granted, string? HeldBy, int InUse)
{
    public static LeaseGrant Yes => new(true, null, 0);

    public static LeaseGrant Held(string holder) => new(false, holder, 0);

    public static LeaseGrant Full(int inUse) => new(false, null, inUse);
}

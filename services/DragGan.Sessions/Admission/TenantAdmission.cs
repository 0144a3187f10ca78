using DragGan.Protos.V1;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Storage;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Admission;

/// <summary>
/// Admits a tenant's work against its limits (<see cref="TenantLimitOptions"/>) across every
/// replica, through leases in the session store: a drag holds a lease named by its id for as long
/// as this process runs it (which also makes its run exclusive), an inversion one lease per
/// inversion and one weighted by its steps, a generation one for the call. Refusals are
/// <see cref="LimitReachedException"/>s and say which limit was reached.
/// </summary>
public sealed class TenantAdmission(IWorkLeaseStore store, ReplicaIdentity replica, IOptions<SessionsOptions> options, ILogger<TenantAdmission> logger)
{
    /// <summary>Steps an inversion takes when its request names none (inference.proto's default).</summary>
    public const int DefaultInversionSteps = 1000;

    /// <summary>Pivotal-tuning steps an upload takes when its request names none (inference.proto's default, PTI's).</summary>
    public const int DefaultTuningSteps = 350;

    private TenantLimitOptions Limits => options.Value.TenantLimits;

    private TimeSpan Duration => options.Value.LeaseDuration;

    /// <summary>A new drag of the tenant.</summary>
    /// <exception cref="LimitReachedException">When the tenant runs its maximum of drags.</exception>
    public Task<HeldLease> EnterDragAsync(string tenant, string dragId, CancellationToken cancellationToken) =>
        EnterAsync(new WorkLease(tenant, WorkKind.Drag, dragId, replica.Id, 1), Limits.Drags,
            inUse => $"Tenant '{tenant}' runs {inUse} drags, its limit; stop one or retry later.", cancellationToken);

    /// <summary>
    /// Claims a drag to end it without running it (no limit applies: it takes no inference slot):
    /// the lease, or null when another process holds it, with that process's name.
    /// </summary>
    public async Task<(HeldLease? Lease, string? Holder)> ClaimDragAsync(string tenant, string dragId, CancellationToken cancellationToken)
    {
        var lease = new WorkLease(tenant, WorkKind.Drag, dragId, replica.Id, 1);
        var grant = await store.TryAcquireAsync(lease, int.MaxValue, Duration, cancellationToken);
        return grant.Granted ? (new HeldLease(store, lease, Duration, logger), null) : (null, grant.HeldBy);
    }

    /// <summary>
    /// Resumes a drag that no process runs (its lease expired, so it no longer counts against the
    /// tenant): within the tenant's drag limit, like a new drag. The lease, or null when another
    /// process holds it, with that process's name.
    /// </summary>
    /// <exception cref="LimitReachedException">When the tenant runs its maximum of drags.</exception>
    public async Task<(HeldLease? Lease, string? Holder)> ResumeDragAsync(string tenant, string dragId, CancellationToken cancellationToken)
    {
        var lease = new WorkLease(tenant, WorkKind.Drag, dragId, replica.Id, 1);
        var grant = await store.TryAcquireAsync(lease, Limits.Drags, Duration, cancellationToken);
        if (grant.Granted)
            return (new HeldLease(store, lease, Duration, logger), null);
        if (grant.HeldBy is not null)
            return (null, grant.HeldBy);
        throw new LimitReachedException(
            $"Tenant '{tenant}' runs {grant.InUse} drags, its limit; stop one before resuming drag '{dragId}', or retry later.");
    }

    /// <summary>The process that runs the drag (holds its unexpired lease), or null when none does.</summary>
    public Task<string?> DragHolderAsync(string tenant, string dragId, CancellationToken cancellationToken) =>
        store.HolderAsync(tenant, WorkKind.Drag, dragId, cancellationToken);

    /// <summary>Whether this process is the holder <paramref name="holder"/> names.</summary>
    public bool IsThisReplica(string? holder) => holder == replica.Id;

    /// <summary>What creating a session costs: an inversion for an image, a generation for a seed or a rendered image, nothing else.</summary>
    /// <exception cref="LimitReachedException">When the tenant is at the limit for that work.</exception>
    public async Task<IAsyncDisposable?> EnterCreateAsync(string tenant, CreateSessionRequest request, CancellationToken cancellationToken)
    {
        if (request.SourceCase == CreateSessionRequest.SourceOneofCase.Image)
        {
            var options = request.Image.Options;
            var steps = options is { HasSteps: true } ? (int)Math.Clamp(options.Steps, 1u, 10_000u) : DefaultInversionSteps;
            // Tuning steps count too, unless the request turns tuning off.
            if (options is not { HasPivotalTuning: true, PivotalTuning: false })
                steps += options is { HasTuningSteps: true } ? (int)Math.Clamp(options.TuningSteps, 1u, 2000u) : DefaultTuningSteps;
            return await EnterInversionAsync(tenant, steps, cancellationToken);
        }
        if (request.SourceCase == CreateSessionRequest.SourceOneofCase.Seed || request.ImageOptions is not null)
            return await EnterGenerationAsync(tenant, cancellationToken);
        return null;
    }

    /// <summary>One rendering of a latent (Generate) for the tenant.</summary>
    /// <exception cref="LimitReachedException">When the tenant runs its maximum of generations.</exception>
    public Task<HeldLease> EnterGenerationAsync(string tenant, CancellationToken cancellationToken) =>
        EnterAsync(new WorkLease(tenant, WorkKind.Generation, Guid.NewGuid().ToString("N"), replica.Id, 1), Limits.Generations,
            inUse => $"Tenant '{tenant}' runs {inUse} image generations, its limit; retry later.", cancellationToken);

    /// <summary>One animation export of the tenant.</summary>
    /// <exception cref="LimitReachedException">When the tenant runs its maximum of exports.</exception>
    public Task<HeldLease> EnterExportAsync(string tenant, CancellationToken cancellationToken) =>
        EnterAsync(new WorkLease(tenant, WorkKind.Export, Guid.NewGuid().ToString("N"), replica.Id, 1), options.Value.ExportLimits.PerTenant,
            inUse => $"Tenant '{tenant}' runs {inUse} exports, its limit (Sessions:ExportLimits:PerTenant); retry when one ends.", cancellationToken);

    private async Task<IAsyncDisposable> EnterInversionAsync(string tenant, int steps, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var count = await EnterAsync(new WorkLease(tenant, WorkKind.Inversion, id, replica.Id, 1), Limits.Inversions,
            inUse => $"Tenant '{tenant}' runs {inUse} inversions, its limit; retry when one ends.", cancellationToken);
        try
        {
            var cost = await EnterAsync(new WorkLease(tenant, WorkKind.InversionSteps, id, replica.Id, steps), Limits.InversionSteps,
                inUse => $"Tenant '{tenant}' runs inversions of {inUse} steps; with these {steps} it would pass its limit of {Limits.InversionSteps} " +
                    "(an inversion alone may take more); retry when one ends.", cancellationToken);
            return new Leases(count, cost);
        }
        catch
        {
            await count.DisposeAsync();
            throw;
        }
    }

    private async Task<HeldLease> EnterAsync(WorkLease lease, int capacity, Func<int, string> refusal, CancellationToken cancellationToken)
    {
        var grant = await store.TryAcquireAsync(lease, capacity, Duration, cancellationToken);
        if (!grant.Granted)
            throw new LimitReachedException(refusal(grant.InUse));
        return new HeldLease(store, lease, Duration, logger);
    }

    private sealed class Leases(params HeldLease[] leases) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var lease in leases)
                await lease.DisposeAsync();
        }
    }
}

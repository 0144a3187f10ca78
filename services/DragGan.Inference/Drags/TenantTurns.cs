namespace DragGan.Inference.Drags;

/// <summary>
/// Chooses a drag loop's batch from the ready streams by turns between tenants, then between each
/// tenant's streams: weighted fair sharing (stride scheduling), so that a tenant with many streams
/// gets its tenant's share of the GPU, not one share per stream. Every place in a batch goes to the
/// ready tenant with the lowest pass (<see cref="TenantPasses"/>, which the model's other calls
/// share: a tenant's generations count against its drags' turns), and within it to its next
/// stream round-robin. A batch takes a second tenant's streams only where that costs its step little
/// (the caller's measure): on a GPU a batch of eight steps about as fast as one, so tenants share
/// batches; on a CPU a step's time grows with its edits, so they take turns instead. Each place is
/// charged as one turn when chosen, then settled by the time its edit held the model (<see cref="Settle"/>): a tenant whose steps render large frames every step
/// pays for them in turns.
/// </summary>
internal sealed class TenantTurns(TenantPasses passes)
{
    private readonly Dictionary<string, int> _next = new(StringComparer.Ordinal);

    /// <summary>Turns of their own, for a loop that shares them with nothing else.</summary>
    public TenantTurns(IReadOnlyDictionary<string, double> weights)
        : this(new TenantPasses(weights))
    {
    }

    /// <summary>Up to <paramref name="size"/> distinct streams of <paramref name="ready"/>, in the order they were given turns.</summary>
    /// <param name="mayGrow">
    /// Asked, once the batch would hold a second tenant's stream, before each further place (with the
    /// size the batch had with one tenant in it and the size it would reach): every edit in a batch
    /// waits for the whole step, so another tenant's edits in it slow this tenant's steps, for nothing
    /// where batching saves no time (a CPU). Null: always.
    /// </param>
    public List<T> Choose<T>(IReadOnlyList<T> ready, Func<T, string> tenantOf, int size, Func<int, int, bool>? mayGrow = null)
    {
        var byTenant = new Dictionary<string, List<T>>(StringComparer.Ordinal);
        foreach (var stream in ready)
        {
            var tenant = tenantOf(stream);
            if (!byTenant.TryGetValue(tenant, out var streams))
                byTenant[tenant] = streams = [];
            streams.Add(stream);
        }
        foreach (var gone in _next.Keys.Where(t => !byTenant.ContainsKey(t)).ToList())
            _next.Remove(gone);

        var batch = new List<T>(Math.Min(size, ready.Count));
        var taken = byTenant.Keys.ToDictionary(t => t, _ => 0, StringComparer.Ordinal);
        int? soloSize = null;
        while (batch.Count < size)
        {
            string? turn = null;
            foreach (var tenant in byTenant.Keys)
            {
                if (taken[tenant] < byTenant[tenant].Count && (turn is null || passes.Before(tenant, turn)))
                    turn = tenant;
            }
            if (turn is null)
                break;
            // A batch with a second tenant in it grows only where its step stays nearly as quick.
            if (mayGrow is not null && batch.Count > 0 && (soloSize is not null || taken[turn] == 0))
            {
                soloSize ??= batch.Count;
                if (!mayGrow(soloSize.Value, batch.Count + 1))
                    break;
            }
            var streams = byTenant[turn];
            var next = _next.GetValueOrDefault(turn);
            batch.Add(streams[(next + taken[turn]) % streams.Count]);
            taken[turn]++;
            passes.Charge(turn);
        }
        foreach (var (tenant, count) in taken.Where(t => t.Value > 0))
            _next[tenant] = (_next.GetValueOrDefault(tenant) + count) % byTenant[tenant].Count;
        return batch;
    }

    /// <summary>Charges <paramref name="tenant"/> the time its edit held the model in a step (<see cref="TenantPasses.Settle"/>).</summary>
    public void Settle(string tenant, TimeSpan held) => passes.Settle(tenant, held);

    /// <summary>Charges <paramref name="tenant"/> the time the loop spent on its stream besides a step (<see cref="TenantPasses.Bill"/>).</summary>
    public void Bill(string tenant, TimeSpan held) => passes.Bill(tenant, held);
}

namespace DragGan.Inference.Drags;

/// <summary>
/// Chooses a drag loop's batch from the ready streams by turns between tenants, then between each
/// tenant's streams: weighted fair sharing (stride scheduling), so that a tenant with many streams
/// gets its tenant's share of the GPU, not one share per stream. Each tenant has a pass, the steps
/// it was given divided by its weight; every place in a batch goes to the ready tenant with the
/// lowest pass (equal passes: by name), and within it to its next stream round-robin. A tenant with
/// no ready stream is forgotten and comes back at the lowest pass of the others, so idling saves no
/// turns for a burst later.
/// </summary>
internal sealed class TenantTurns(IReadOnlyDictionary<string, double> weights)
{
    // Passes are sums of 1 / weight: equal up to rounding counts as equal.
    private const double Tolerance = 1e-9;

    private readonly Dictionary<string, double> _pass = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _next = new(StringComparer.Ordinal);

    /// <summary>The weight of a tenant: configured (<see cref="InferenceOptions.TenantWeights"/>) or 1.</summary>
    public double WeightOf(string tenant) => weights.TryGetValue(tenant, out var weight) ? weight : 1;

    /// <summary>Up to <paramref name="size"/> distinct streams of <paramref name="ready"/>, in the order they were given turns.</summary>
    public List<T> Choose<T>(IReadOnlyList<T> ready, Func<T, string> tenantOf, int size)
    {
        var byTenant = new Dictionary<string, List<T>>(StringComparer.Ordinal);
        foreach (var stream in ready)
        {
            var tenant = tenantOf(stream);
            if (!byTenant.TryGetValue(tenant, out var streams))
                byTenant[tenant] = streams = [];
            streams.Add(stream);
        }
        foreach (var gone in _pass.Keys.Where(t => !byTenant.ContainsKey(t)).ToList())
        {
            _pass.Remove(gone);
            _next.Remove(gone);
        }
        var floor = _pass.Count > 0 ? _pass.Values.Min() : 0;
        foreach (var tenant in byTenant.Keys)
            _pass.TryAdd(tenant, floor);

        var batch = new List<T>(Math.Min(size, ready.Count));
        var taken = byTenant.Keys.ToDictionary(t => t, _ => 0, StringComparer.Ordinal);
        while (batch.Count < size)
        {
            string? turn = null;
            foreach (var tenant in byTenant.Keys)
            {
                if (taken[tenant] < byTenant[tenant].Count && (turn is null || Before(tenant, turn)))
                    turn = tenant;
            }
            if (turn is null)
                break;
            var streams = byTenant[turn];
            var next = _next.GetValueOrDefault(turn);
            batch.Add(streams[(next + taken[turn]) % streams.Count]);
            taken[turn]++;
            _pass[turn] += 1 / WeightOf(turn);
        }
        foreach (var (tenant, count) in taken.Where(t => t.Value > 0))
            _next[tenant] = (_next.GetValueOrDefault(tenant) + count) % byTenant[tenant].Count;
        return batch;
    }

    private bool Before(string tenant, string other)
    {
        var difference = _pass[tenant] - _pass[other];
        return difference < -Tolerance || (difference <= Tolerance && string.CompareOrdinal(tenant, other) < 0);
    }
}

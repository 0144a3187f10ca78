namespace DragGan.Inference;

/// <summary>
/// The turns one model has given each tenant, drag steps and other calls alike: a tenant's pass is
/// the turns it was given divided by its weight (<see cref="InferenceOptions.TenantWeights"/>),
/// and the next turn goes to the waiting tenant with the lowest (stride scheduling). A tenant's pass
/// never lags the pass at which the last turn was given (start-time fair queueing): one that waited
/// for nothing comes back level with the others, so idling saves no turns for a burst later.
/// </summary>
public sealed class TenantPasses(IReadOnlyDictionary<string, double> weights)
{
    // Passes are sums of 1 / weight: equal up to rounding counts as equal.
    private const double Tolerance = 1e-9;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, double> _pass = new(StringComparer.Ordinal);
    private double _lastTurn;

    /// <summary>The weight of a tenant: configured or 1.</summary>
    public double WeightOf(string tenant) => weights.TryGetValue(tenant, out var weight) ? weight : 1;

    /// <summary>The tenant's pass if it took the next turn.</summary>
    public double PassOf(string tenant)
    {
        lock (_lock)
            return Math.Max(_pass.GetValueOrDefault(tenant), _lastTurn);
    }

    /// <summary>Whether <paramref name="tenant"/> goes before <paramref name="other"/>: a lower pass, or an equal one and a name first in order.</summary>
    public bool Before(string tenant, string other)
    {
        var difference = PassOf(tenant) - PassOf(other);
        return difference < -Tolerance || (difference <= Tolerance && string.CompareOrdinal(tenant, other) < 0);
    }

    /// <summary>Whether two passes count as equal.</summary>
    public static bool Level(double pass, double other) => Math.Abs(pass - other) <= Tolerance;

    /// <summary>Gives <paramref name="tenant"/> a turn.</summary>
    public void Charge(string tenant)
    {
        lock (_lock)
        {
            var start = Math.Max(_pass.GetValueOrDefault(tenant), _lastTurn);
            _lastTurn = start;
            _pass[tenant] = start + 1 / WeightOf(tenant);
            // Tenants at or below the last turn's pass are as if absent: forget them.
            if (_pass.Count > 64)
            {
                foreach (var idle in _pass.Where(kv => kv.Value <= _lastTurn + Tolerance).Select(kv => kv.Key).ToList())
                    _pass.Remove(idle);
            }
        }
    }
}

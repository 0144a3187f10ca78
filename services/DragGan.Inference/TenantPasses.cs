namespace DragGan.Inference;

/// <summary>
/// The share of one model each tenant has had, drag steps and other calls alike, counted in turns
/// of the model's mean length: a tenant's pass is its turns divided by its weight
/// (<see cref="InferenceOptions.TenantWeights"/>), and the next turn goes to the waiting tenant with
/// the lowest (stride scheduling). A turn is charged as one when given and corrected by its measured
/// time when it ends (<see cref="Settle"/>), so that a tenant whose turns hold the model three times
/// as long gets a third of the turns: shares of the model's time, not of its turns. A tenant's pass
/// never lags the pass at which the last turn was given (start-time fair queueing): one that waited
/// for nothing comes back level with the others, so idling saves no turns for a burst later.
/// </summary>
/// <param name="weights">The tenants' weights; 1 for a tenant not named.</param>
/// <param name="settled">Told of every settled turn (tenant, time held): the model's time per tenant.</param>
public sealed class TenantPasses(IReadOnlyDictionary<string, double> weights, Action<string, TimeSpan>? settled = null)
{
    // Passes are sums of turns / weight: equal up to rounding counts as equal.
    private const double Tolerance = 1e-9;

    // How fast the mean turn follows the measured ones: about the last 32 turns count.
    private const double MeanTurnWeight = 1.0 / 32;

    // Turns are charged in 32nds of the mean, at least one: timing noise between calls that take
    // next to nothing does not reorder them, and no turn is free.
    private const double TurnGrain = 32;

    /// <summary>
    /// The most one bill counts, in mean turns. Work beside the steps renders a frame at most,
    /// less than a step; a bill far above that measured a stalled machine (a collection, other
    /// processes on the cores), not the tenant's work, and must not lock the tenant out for many turns.
    /// </summary>
    public const double MaxBilledTurns = 2;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, double> _pass = new(StringComparer.Ordinal);
    private double _lastTurn;
    private double _meanTurnSeconds;

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

    /// <summary>Gives <paramref name="tenant"/> a turn, charged as one mean turn until it is settled.</summary>
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

    /// <summary>
    /// Corrects a turn of <paramref name="tenant"/> that held the model for <paramref name="held"/>
    /// (its part of a batched step): it counts as <paramref name="held"/> over the mean turn, not one.
    /// </summary>
    public void Settle(string tenant, TimeSpan held) => Add(tenant, held, chargedTurns: 1);

    /// <summary>
    /// Charges <paramref name="tenant"/> for <paramref name="held"/> of the model's time that no turn
    /// of its paid for: work the drag loop does for its streams besides their steps (their commands,
    /// a final frame's render), at most <see cref="MaxBilledTurns"/> a bill.
    /// </summary>
    public void Bill(string tenant, TimeSpan held) => Add(tenant, held, chargedTurns: 0);

    private void Add(string tenant, TimeSpan held, double chargedTurns)
    {
        var seconds = Math.Max(0, held.TotalSeconds);
        lock (_lock)
        {
            // Measured against the mean before it: a long turn does not lighten its own charge. A
            // turn costs at least a grain; work billed beside turns only what it took.
            // Before any turn was measured, a turn counts as one and billed work as nothing.
            var grains = _meanTurnSeconds > 0 ? Math.Round(seconds / _meanTurnSeconds * TurnGrain) : chargedTurns * TurnGrain;
            var turns = (chargedTurns > 0 ? Math.Max(1, grains) : Math.Min(grains, MaxBilledTurns * TurnGrain)) / TurnGrain;
            if (chargedTurns > 0)
                _meanTurnSeconds = _meanTurnSeconds == 0 ? seconds : _meanTurnSeconds + (seconds - _meanTurnSeconds) * MeanTurnWeight;
            if (turns != chargedTurns)
                _pass[tenant] = Math.Max(_pass.GetValueOrDefault(tenant), _lastTurn) + (turns - chargedTurns) / WeightOf(tenant);
        }
        settled?.Invoke(tenant, held);
    }
}

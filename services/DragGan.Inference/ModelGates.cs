using System.Collections.Concurrent;
using System.Diagnostics;
using DragGan.Inference.Telemetry;
using Microsoft.Extensions.Options;

namespace DragGan.Inference;

/// <summary>
/// Runs generator work for one model at a time (or <see cref="InferenceOptions.MaxConcurrentForwardsPerModel"/>
/// at a time), on the thread pool rather than on the request's thread.
/// </summary>
/// <remarks>
/// TorchSharp's tensor operations may be called from several threads, and a generator keeps no
/// per-call state, so concurrent forwards would compute correctly. They are serialised per model
/// anyway: every forward holds its activations on the model's device, so unbounded concurrency
/// means unbounded GPU (or CPU) memory, and parallel forwards on one device do not finish sooner
/// than queued ones. Callers wait asynchronously (no thread blocks while queued); the forward
/// itself, a blocking native call, runs on a pool thread via <see cref="Task.Run(Func{T}, CancellationToken)"/>.
/// Cancellation stops the wait, never a forward that has started; the gate is released only when
/// the forward has finished. The drag loop takes the same gate for its batched steps, and takes
/// turns with the other calls (<see cref="ModelGate"/>).
/// </remarks>
public sealed class ModelGates(IOptions<InferenceOptions> options, InferenceMetrics? metrics = null)
{
    private readonly ConcurrentDictionary<string, ModelGate> _gates = new(StringComparer.OrdinalIgnoreCase);
    private readonly int _concurrency = options.Value.MaxConcurrentForwardsPerModel;
    private readonly IReadOnlyDictionary<string, double> _weights = options.Value.TenantWeights;

    /// <summary>The turns the model's gate and its drag loop give tenants (<see cref="TenantPasses"/>).</summary>
    public TenantPasses PassesOf(string model) => GateOf(model).Passes;

    /// <summary>Runs <paramref name="work"/> on the thread pool once the model's gate is free.</summary>
    public Task<T> RunAsync<T>(string model, Func<T> work, CancellationToken cancellationToken) =>
        RunAsync(model, "", work, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/>, a call of <paramref name="tenant"/> ("" for none), once the model's
    /// gate gives it a turn; the tenant is charged the time it ran (<see cref="TenantPasses.Settle"/>).
    /// </summary>
    public Task<T> RunAsync<T>(string model, string tenant, Func<T> work, CancellationToken cancellationToken)
    {
        var gate = GateOf(model);
        return RunAsync(gate, gate.EnterCallAsync(tenant, cancellationToken), () =>
        {
            var clock = Stopwatch.StartNew();
            try
            {
                return work();
            }
            finally
            {
                gate.Passes.Settle(tenant, clock.Elapsed);
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Runs one tick of the model's drag loop (<see cref="Drags.ModelDragLoop"/>) once the gate gives it
    /// a turn; the loop charges each stepped drag's tenant its part itself (<see cref="Drags.TenantTurns"/>).
    /// </summary>
    /// <param name="readyTenants">The tenants with a drag ready to step, when the gate chooses.</param>
    public Task<T> RunDragTickAsync<T>(string model, Func<IReadOnlyCollection<string>> readyTenants, Func<T> work, CancellationToken cancellationToken)
    {
        var gate = GateOf(model);
        return RunAsync(gate, gate.EnterTickAsync(readyTenants, cancellationToken), work, cancellationToken);
    }

    /// <summary>A tick with no drag ready to step (commands, ends): it takes turns with the calls.</summary>
    public Task<T> RunDragTickAsync<T>(string model, Func<T> work, CancellationToken cancellationToken) =>
        RunDragTickAsync(model, static () => [], work, cancellationToken);

    private ModelGate GateOf(string model) => _gates.GetOrAdd(model, _ => new ModelGate(_concurrency,
        new TenantPasses(_weights, metrics is null ? null : (tenant, held) => metrics.ModelTimeUsed(model, tenant, held))));

    private static async Task<T> RunAsync<T>(ModelGate gate, Task entered, Func<T> work, CancellationToken cancellationToken)
    {
        await entered.ConfigureAwait(false);
        try
        {
            return await Task.Run(work, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }
}

using System.Collections.Concurrent;
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
public sealed class ModelGates(IOptions<InferenceOptions> options)
{
    private readonly ConcurrentDictionary<string, ModelGate> _gates = new(StringComparer.OrdinalIgnoreCase);
    private readonly int _concurrency = options.Value.MaxConcurrentForwardsPerModel;

    /// <summary>Runs <paramref name="work"/> on the thread pool once the model's gate is free.</summary>
    public Task<T> RunAsync<T>(string model, Func<T> work, CancellationToken cancellationToken) =>
        RunAsync(model, "", work, cancellationToken);

    /// <summary>Runs <paramref name="work"/>, a call of <paramref name="tenant"/> ("" for none), once the model's gate is free.</summary>
    public Task<T> RunAsync<T>(string model, string tenant, Func<T> work, CancellationToken cancellationToken) =>
        RunAsync(model, dragTick: false, tenant, work, cancellationToken);

    /// <summary>Runs one tick of the model's drag loop (<see cref="Drags.ModelDragLoop"/>) under the gate.</summary>
    public Task<T> RunDragTickAsync<T>(string model, Func<T> work, CancellationToken cancellationToken) =>
        RunAsync(model, dragTick: true, "", work, cancellationToken);

    private async Task<T> RunAsync<T>(string model, bool dragTick, string tenant, Func<T> work, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(model, _ => new ModelGate(_concurrency));
        await gate.EnterAsync(dragTick, tenant, cancellationToken).ConfigureAwait(false);
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

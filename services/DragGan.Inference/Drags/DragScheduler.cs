using System.Collections.Concurrent;
using DragGan.Engine.Models;
using DragGan.Inference.Telemetry;
using Microsoft.Extensions.Options;

namespace DragGan.Inference.Drags;

/// <summary>The drag loops of the replica, one per model, started when a model's first stream opens.</summary>
internal sealed class DragScheduler(
    IModelRegistry registry, ModelGates gates, InferenceMetrics metrics, IOptions<InferenceOptions> options, ILogger<DragScheduler> logger)
    : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ModelDragLoop>> _loops = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Streams registered with any loop (they leave it a tick after they end).</summary>
    public int ActiveStreams => _loops.Values.Where(l => l.IsValueCreated).Sum(l => l.Value.StreamCount);

    /// <summary>The model's loop. The model must be loaded already (its first use loads it under the gate).</summary>
    public ModelDragLoop LoopFor(string model) => _loops.GetOrAdd(model, name => new Lazy<ModelDragLoop>(() =>
        new ModelDragLoop(name, registry.Get(name), gates, metrics, options.Value, logger))).Value;

    /// <inheritdoc cref="ModelDragLoop.HandBack"/>
    public void HandBack(bool all)
    {
        foreach (var loop in _loops.Values.Where(l => l.IsValueCreated))
            loop.Value.HandBack(all);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var loop in _loops.Values.Where(l => l.IsValueCreated))
            await loop.Value.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using DragGan.Engine.Inversion;
using DragGan.Engine.Models;

namespace DragGan.Inference.Inversion;

/// <summary>
/// One <see cref="LatentProjector"/> per model, kept for the replica's life: each holds the model's
/// w statistics (10,000 mapped samples, estimated on the first inversion), which every later
/// inversion of that model reuses.
/// </summary>
internal sealed class InversionProjectors(IModelRegistry registry)
{
    private readonly ConcurrentDictionary<string, Lazy<LatentProjector>> _projectors = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The model's projector; call under the model's gate (it may load the model).</summary>
    public LatentProjector For(string model) =>
        _projectors.GetOrAdd(model, name => new Lazy<LatentProjector>(() => new LatentProjector(registry.Get(name)))).Value;
}

using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Engine.Tuning;

/// <summary>
/// A per-photo change to a generator's synthesis convolutions, found by pivotal tuning: what
/// travels with an edit so that any replica renders the tuned generator from the shared weights
/// (<see cref="SynthesisOptions.ConvWeightDeltas"/>). Written and read by <see cref="WeightDeltaFormat"/>.
/// </summary>
public sealed class WeightDelta(string modelId, WeightDeltaKind kind, int rank, IReadOnlyList<WeightDeltaLayer> layers)
{
    /// <summary>The model whose weights the delta changes: a delta fits that model only.</summary>
    public string ModelId { get; } = modelId;

    public WeightDeltaKind Kind { get; } = kind;

    /// <summary>r of dW = B A; 0 for <see cref="WeightDeltaKind.Full"/>.</summary>
    public int Rank { get; } = rank;

    /// <summary>One per synthesis convolution, in <see cref="ImageGenerator.ConvLayers"/> order.</summary>
    public IReadOnlyList<WeightDeltaLayer> Layers { get; } = layers;

    /// <summary>Values stored, B and A of every layer.</summary>
    public long ParameterCount => Layers.Sum(l => (long)l.B.Length + l.A.Length);

    /// <summary>
    /// The per-layer deltas of a batch of edits, each with its own delta or none
    /// (<see cref="SynthesisOptions.ConvWeightDeltas"/>): [N, O, I, k, k] per layer, zeros for an
    /// edit without one; null when no edit has one, so that such a batch runs as it always has.
    /// Call inside a dispose scope.
    /// </summary>
    public static Tensor?[]? PerEdit(IReadOnlyList<WeightDelta?> deltas, ImageGenerator generator)
    {
        if (deltas.All(d => d is null))
            return null;
        var layers = generator.ConvLayers;
        if (deltas.FirstOrDefault(d => d is not null && !d.Layers.Select(l => l.Shape).SequenceEqual(layers)) is { } misfit)
            throw new ArgumentException($"A delta for model '{misfit.ModelId}' does not fit this generator's synthesis convolutions.", nameof(deltas));
        var perEdit = deltas.Select(d => d?.ToConvWeightDeltas(generator.Device)).ToArray();
        return Stack(perEdit, generator);
    }

    /// <summary>
    /// Per-edit weight changes (each edit's <see cref="ToConvWeightDeltas"/>, or null) stacked per
    /// layer into [N, O, I, k, k], zeros for an edit without one; null when no edit has one.
    /// Call inside a dispose scope.
    /// </summary>
    public static Tensor?[]? Stack(IReadOnlyList<IReadOnlyList<Tensor>?> perEdit, ImageGenerator generator)
    {
        if (perEdit.All(d => d is null))
            return null;
        return generator.ConvLayers.Select((layer, i) => (Tensor?)stack(perEdit.Select(edit => edit?[i] ?? zeros(layer.WeightShape, device: generator.Device)).ToArray())).ToArray();
    }

    /// <summary>The per-layer weight changes [O, I, k, k] for a forward, on <paramref name="device"/>; the caller disposes them.</summary>
    public Tensor[] ToConvWeightDeltas(Device device)
    {
        return Layers.Select(layer =>
        {
            using var scope = NewDisposeScope();
            var shape = layer.Shape;
            var delta = Kind == WeightDeltaKind.Full
                ? tensor(layer.B, [shape.OutChannels, shape.FanIn], device: device)
                : tensor(layer.B, [shape.OutChannels, Rank], device: device).matmul(tensor(layer.A, [Rank, shape.FanIn], device: device));
            return delta.reshape(shape.WeightShape).MoveToOuterDisposeScope();
        }).ToArray();
    }
}

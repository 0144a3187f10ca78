namespace DragGan.Engine.Tuning;

/// <summary>How a <see cref="WeightDelta"/> is parameterised.</summary>
public enum WeightDeltaKind : byte
{
    /// <summary>dW = B A per layer, B [O, r], A [r, I k k].</summary>
    LowRank = 1,

    /// <summary>dW stored whole per layer, [O, I k k]: full-weight tuning, for comparison.</summary>
    Full = 2,
}

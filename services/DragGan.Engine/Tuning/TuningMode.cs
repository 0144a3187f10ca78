namespace DragGan.Engine.Tuning;

/// <summary>What pivotal tuning changes in the synthesis convolutions.</summary>
public enum TuningMode
{
    /// <summary>Low-rank deltas dW = B A per convolution: small enough to travel with an edit.</summary>
    LowRank,

    /// <summary>Every convolution weight (PTI's full tuning, restricted to the synthesis convolutions): for comparison.</summary>
    Full,
}

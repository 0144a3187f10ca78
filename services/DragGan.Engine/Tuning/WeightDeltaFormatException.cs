namespace DragGan.Engine.Tuning;

/// <summary>
/// A weight delta that cannot be used: corrupted, truncated, for another model, or shaped unlike the
/// generator. <see cref="ArgumentException.ParamName"/> names the field (<c>delta.ModelId</c>,
/// <c>delta.Layers[3].Shape</c>, ...), as the message does.
/// </summary>
public sealed class WeightDeltaFormatException(string field, string message) : ArgumentException($"{field}: {message}", field)
{
    /// <summary>The refused field, as <see cref="ArgumentException.ParamName"/>.</summary>
    public string Field { get; } = field;

    /// <summary>What is wrong with it, without the field's name.</summary>
    public string Problem { get; } = message;

    public override string Message => $"{Field}: {Problem}";
}

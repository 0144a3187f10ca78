namespace DragGan.Engine.Tuning;

/// <summary>
/// A weight delta that cannot be used: corrupted, truncated, for another model, or shaped unlike the
/// generator. <see cref="ArgumentException.ParamName"/> names the field (<c>delta.model_id</c>,
/// <c>delta.layers[3].shape</c>, ...), as the message does.
/// </summary>
public sealed class WeightDeltaFormatException(string field, string message) : ArgumentException($"{field}: {message}", field);

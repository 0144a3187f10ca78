namespace DragGan.Sessions.Errors;

/// <summary>
/// A request names something that does not exist (any more): a history entry, a drag, a model.
/// The message leads with the field that named it. A session that is not there is a
/// <see cref="Storage.SessionNotFoundException"/> instead.
/// </summary>
public sealed class ReferenceNotFoundException(string field, string problem) : SessionsException($"{field} {problem}")
{
    /// <summary>The request field that named it ("drag_id").</summary>
    public string Field { get; } = field;

    public string Problem { get; } = problem;
}

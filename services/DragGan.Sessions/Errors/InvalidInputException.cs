namespace DragGan.Sessions.Errors;

/// <summary>A request field holds a value the service cannot take; the message leads with the field's name.</summary>
public sealed class InvalidInputException(string field, string problem) : SessionsException($"{field} {problem}")
{
    /// <summary>The request field, as the contract names it ("start.points").</summary>
    public string Field { get; } = field;

    public string Problem { get; } = problem;
}

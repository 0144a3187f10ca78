namespace DragGan.Engine.Drags;

/// <summary>
/// An edit's input that the engine refuses. <see cref="Input"/> names it as the engine's API does: a
/// parameter of <see cref="DragEdit"/>'s methods, then the members of its type
/// (<c>points[0].Handle</c>, <c>parameters.LearningRate</c>, <c>state.Adam.FirstMoment</c>);
/// <see cref="Problem"/> says what is wrong, to follow that name or whatever name a caller shows
/// the input under.
/// </summary>
public sealed class DragInputException(string input, string problem) : ArgumentException($"{input} {problem}", input)
{
    public string Input { get; } = input;

    public string Problem { get; } = problem;

    /// <summary>"input problem", without .NET's parameter suffix: the input leads already.</summary>
    public override string Message => $"{Input} {Problem}";
}

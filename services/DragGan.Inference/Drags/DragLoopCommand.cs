namespace DragGan.Inference.Drags;

/// <summary>
/// What a client asked of its running edit, queued by the stream's reader and applied by the
/// model's scheduler loop between steps (the only thread that touches the edit).
/// </summary>
internal abstract record DragLoopCommand
{
    public sealed record Update(DragUpdatePlan Plan) : DragLoopCommand;

    public sealed record Pause : DragLoopCommand;

    public sealed record Unpause : DragLoopCommand;

    /// <summary>Stop or half-close: the final frame, then the end of the stream.</summary>
    public sealed record Stop : DragLoopCommand;

    /// <summary>The client sent something invalid: hand back the state, then end the call with <see cref="Error"/>.</summary>
    public sealed record Fail(Exception Error) : DragLoopCommand;
}

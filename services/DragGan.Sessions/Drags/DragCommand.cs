using DragGan.Protos.V1;

namespace DragGan.Sessions.Drags;

/// <summary>What a client asked of a running session drag; forwarded to the inference stream in order.</summary>
internal abstract record DragCommand
{
    public sealed record Update(DragUpdate Value) : DragCommand;

    public sealed record Pause : DragCommand;

    public sealed record Unpause : DragCommand;

    /// <summary>End the drag: commit it, or with <see cref="Discard"/> drop it.</summary>
    public sealed record Stop(bool Discard) : DragCommand;

    /// <summary>The request to the inference replica that carries this command.</summary>
    public DragRequest ToInference() => this switch
    {
        Update update => new DragRequest { Update = update.Value },
        Pause => new DragRequest { Pause = new DragPause() },
        Unpause => new DragRequest { Unpause = new DragUnpause() },
        _ => new DragRequest { Stop = new DragStop() },
    };
}

using DragGan.Protos.V1;

namespace DragGan.Sessions.Drags;

/// <summary>What a client asked of a running session drag; forwarded to the inference stream in order.</summary>
internal abstract record ClientDragCommand
{
    public sealed record Update(DragUpdate Value) : ClientDragCommand;

    public sealed record Pause : ClientDragCommand;

    public sealed record Unpause : ClientDragCommand;

    /// <summary>End the drag: commit it, or with <see cref="Discard"/> drop it.</summary>
    public sealed record Stop(bool Discard) : ClientDragCommand;

    /// <summary>The command as another replica receives it.</summary>
    public RelayedDragCommand ToRelayed() => this switch
    {
        Update update => new RelayedDragCommand { Update = update.Value },
        Pause => new RelayedDragCommand { Pause = new DragPause() },
        Unpause => new RelayedDragCommand { Unpause = new DragUnpause() },
        Stop stop => new RelayedDragCommand { Stop = new RelayedDragCommand.Types.Stop { Discard = stop.Discard } },
        _ => throw new InvalidOperationException($"Unknown command {GetType().Name}."),
    };

    /// <summary>The command another replica sent, or null for one that is not the inference stream's (a frame resend).</summary>
    public static ClientDragCommand? FromRelayed(RelayedDragCommand command) => command.KindCase switch
    {
        RelayedDragCommand.KindOneofCase.Update => new Update(command.Update),
        RelayedDragCommand.KindOneofCase.Pause => new Pause(),
        RelayedDragCommand.KindOneofCase.Unpause => new Unpause(),
        RelayedDragCommand.KindOneofCase.Stop => new Stop(command.Stop.Discard),
        _ => null,
    };

    /// <summary>The request to the inference replica that carries this command.</summary>
    public DragRequest ToInference() => this switch
    {
        Update update => new DragRequest { Update = update.Value },
        Pause => new DragRequest { Pause = new DragPause() },
        Unpause => new DragRequest { Unpause = new DragUnpause() },
        _ => new DragRequest { Stop = new DragStop() },
    };
}

using System.CommandLine;
using DragGan.Client;
using DragGan.Protos.V1;

namespace DragGan.Cli.Commands;

/// <summary><c>draggan undo SESSION</c> and <c>draggan redo SESSION</c>: move through the session's history; print where it now is.</summary>
internal static class HistoryCommands
{
    public static Command Undo(CommandContext context) =>
        Create(context, "undo", "Move the session back to its previous state.", (client, id, token) => client.UndoAsync(id, cancellationToken: token));

    public static Command Redo(CommandContext context) =>
        Create(context, "redo", "Move the session forward to its next state.", (client, id, token) => client.RedoAsync(id, cancellationToken: token));

    private static Command Create(CommandContext context, string name, string description, Func<DragGanClient, string, CancellationToken, Task<Session>> move)
    {
        var session = CommandOptions.Session();
        var command = new Command(name, description) { session };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.Connect(parse);
            var moved = await move(client, parse.GetRequiredValue(session), cancellationToken);
            var entry = moved.History[(int)moved.CurrentIndex];
            context.Out.WriteLine($"at entry {entry.Id} ({moved.CurrentIndex + 1} of {moved.History.Count}, {Describe(entry.Kind)})");
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Describe(HistoryEntryKind kind) => kind switch
    {
        HistoryEntryKind.Created => "created",
        HistoryEntryKind.Inverted => "inverted",
        HistoryEntryKind.Drag => "drag",
        _ => "unknown",
    };
}

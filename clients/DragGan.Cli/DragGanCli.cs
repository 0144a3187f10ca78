using System.CommandLine;
using DragGan.Cli.Commands;
using Grpc.Core;

namespace DragGan.Cli;

/// <summary>
/// draggan: the command-line client of the session service. <see cref="RunAsync"/> is the whole
/// program, callable in-process with the arguments, writers and environment of one's choosing.
/// </summary>
public static class DragGanCli
{
    internal static RootCommand BuildRootCommand(CommandContext context)
    {
        var root = new RootCommand("DragGAN as a service: create sessions, drag points, invert photos, undo/redo and export, from the command line.");
        foreach (var option in context.Connection.All)
            root.Add(option);
        root.Add(ModelsCommand.Create(context));
        root.Add(NewCommand.Create(context));
        root.Add(DragCommand.Create(context));
        root.Add(InvertCommand.Create(context));
        root.Add(HistoryCommands.Undo(context));
        root.Add(HistoryCommands.Redo(context));
        root.Add(ExportCommand.Create(context));
        root.Add(EditCommand.Create(context));
        return root;
    }

    /// <summary>Parses and runs a command line; returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="environment">Output, error, terminal detection, environment variables and home folder.</param>
    /// <param name="interrupt">Ctrl+C: stops a running drag (which the service commits) and ends with exit code 130.</param>
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken interrupt = default)
    {
        var context = new CommandContext(new ConnectionOptions(), environment);
        var error = environment.Error;
        ParseResult parse;
        try
        {
            parse = BuildRootCommand(context).Parse(args);
        }
        catch (Exception e)
        {
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
                error.WriteLine($"error: {parseError.Message}");
            error.WriteLine("Run 'draggan --help' (or 'draggan <command> --help') for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = environment.Out,
            Error = error,
            EnableDefaultExceptionHandler = false,
            // Program.cs handles Ctrl+C itself: the first one must stop a drag, not end the process.
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parse.InvokeAsync(invocation, interrupt);
        }
        catch (CliException e)
        {
            error.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (RpcException e)
        {
            error.WriteLine($"error: {RpcFailures.Message(e, context.Address)}");
            return RpcFailures.ExitCode(e.StatusCode);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            error.WriteLine("error: interrupted.");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: unexpected failure: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return ExitCodes.Failure;
        }
    }
}

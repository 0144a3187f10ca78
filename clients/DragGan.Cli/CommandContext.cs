using System.CommandLine;
using DragGan.Client;
using Spectre.Console;

namespace DragGan.Cli;

/// <summary>What every command's action needs besides its own options: the connection options and the environment.</summary>
internal sealed class CommandContext(ConnectionOptions connection, CliEnvironment environment)
{
    public ConnectionOptions Connection { get; } = connection;

    public CliEnvironment Environment { get; } = environment;

    public TextWriter Out => Environment.Out;

    /// <summary>A client for the service this command line, environment and configuration name.</summary>
    public DragGanClient Connect(ParseResult parse)
    {
        var options = Connection.Resolve(parse, Environment);
        Address = options.Address;
        return DragGanClient.Create(options);
    }

    /// <summary>The address the last <see cref="Connect"/> used, for messages about reaching it.</summary>
    public Uri? Address { get; private set; }

    /// <summary>A Spectre console over <see cref="Out"/> for live displays; only when <see cref="CliEnvironment.OutputIsTerminal"/>.</summary>
    public IAnsiConsole Terminal() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Out),
        Ansi = AnsiSupport.Detect,
        Interactive = InteractionSupport.Yes,
    });
}

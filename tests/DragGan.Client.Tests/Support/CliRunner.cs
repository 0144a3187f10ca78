using DragGan.Cli;

namespace DragGan.Client.Tests.Support;

/// <summary>
/// Runs draggan in-process, as a script would run the program: its arguments, captured stdout and
/// stderr (not a terminal unless asked), the given environment variables only, and a home folder
/// of its own (so the machine's ~/.config/draggan never leaks in).
/// </summary>
public sealed class CliRunner(string home)
{
    public Dictionary<string, string> Variables { get; } = [];

    public bool Terminal { get; init; }

    public async Task<CliResult> RunAsync(params string[] args) => await RunAsync(args, CancellationToken.None);

    public async Task<CliResult> RunAsync(string[] args, CancellationToken interrupt)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new CliEnvironment(stdout, stderr, Terminal, name => Variables.GetValueOrDefault(name), home);
        var code = await DragGanCli.RunAsync(args, environment, interrupt);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>What a run of draggan left: its exit code and output.</summary>
public sealed record CliResult(int Code, string Stdout, string Stderr)
{
    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {Code}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

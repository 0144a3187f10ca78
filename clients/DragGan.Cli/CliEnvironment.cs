namespace DragGan.Cli;

/// <summary>
/// What the program reads from and writes to outside its arguments. The process's own is
/// <see cref="FromProcess"/>; tests pass writers, variables and a home folder of their own.
/// </summary>
/// <param name="Out">Results and progress.</param>
/// <param name="Error">One-line error messages.</param>
/// <param name="OutputIsTerminal">Whether <paramref name="Out"/> is a terminal: live progress bars instead of plain lines.</param>
/// <param name="GetVariable">Environment variables.</param>
/// <param name="HomeDirectory">The user's home folder, where the default configuration file lives.</param>
public sealed record CliEnvironment(TextWriter Out, TextWriter Error, bool OutputIsTerminal, Func<string, string?> GetVariable, string HomeDirectory)
{
    public static CliEnvironment FromProcess() => new(
        Console.Out,
        Console.Error,
        !Console.IsOutputRedirected,
        Environment.GetEnvironmentVariable,
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
}

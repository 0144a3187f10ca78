namespace DragGan.ModelTool;

/// <summary>Process exit codes of draggan-model.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>An unexpected failure (a bug or an environment problem); the message has details.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: unknown command or option, missing or malformed value.</summary>
    public const int Usage = 2;

    /// <summary>An input is unusable: missing file, not a valid checkpoint or image.</summary>
    public const int BadInput = 3;

    /// <summary>The output cannot be written (exists without --force, no permission, disk full).</summary>
    public const int OutputFailed = 4;
}

/// <summary>A failure a command reports with its own exit code and message.</summary>
public sealed class ToolException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

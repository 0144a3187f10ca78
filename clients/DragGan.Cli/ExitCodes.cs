namespace DragGan.Cli;

/// <summary>Process exit codes of draggan, for scripts.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>An unexpected failure, or a service error none of the codes below covers; the message has details.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: unknown command or option, missing or malformed value.</summary>
    public const int Usage = 2;

    /// <summary>An input is unusable: a missing or undecodable file, or the service refused a value or id (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION).</summary>
    public const int BadInput = 3;

    /// <summary>An output file cannot be written.</summary>
    public const int OutputFailed = 4;

    /// <summary>The service cannot be reached, is unavailable (UNAVAILABLE) or did not answer in time (DEADLINE_EXCEEDED).</summary>
    public const int Unreachable = 5;

    /// <summary>The service refused the API key (UNAUTHENTICATED, PERMISSION_DENIED).</summary>
    public const int Auth = 6;

    /// <summary>Interrupted (Ctrl+C); a running drag was stopped and committed first.</summary>
    public const int Interrupted = 130;
}

/// <summary>A failure a command reports with its own exit code and a one-line message.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

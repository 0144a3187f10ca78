namespace DragGan.Sessions.Errors;

/// <summary>The client's expected_version is not the session's: it acted on a session that has changed since.</summary>
public sealed class VersionMismatchException(ulong expected, long actual)
    : SessionsException($"expected_version {expected} does not match: the session is at version {actual}.")
{
    public ulong Expected { get; } = expected;

    public long Actual { get; } = actual;
}

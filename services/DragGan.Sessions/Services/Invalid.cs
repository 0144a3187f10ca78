using Grpc.Core;

namespace DragGan.Sessions.Services;

/// <summary>The service's error statuses whose message must name a request field or say exactly what is wrong.</summary>
internal static class Invalid
{
    /// <summary>INVALID_ARGUMENT; the message starts with the field's name.</summary>
    public static RpcException Argument(string field, string problem) =>
        new(new Status(StatusCode.InvalidArgument, $"{field} {problem}"));

    /// <summary>FAILED_PRECONDITION: the session's state does not allow the call.</summary>
    public static RpcException Precondition(string problem) =>
        new(new Status(StatusCode.FailedPrecondition, problem));

    /// <summary>ABORTED: the client's expected_version is not the session's.</summary>
    public static RpcException VersionMismatch(ulong expected, long actual) =>
        new(new Status(StatusCode.Aborted, $"expected_version {expected} does not match: the session is at version {actual}."));

    /// <summary>NOT_FOUND for something inside a session (an entry, a drag), naming the field.</summary>
    public static RpcException Missing(string field, string problem) =>
        new(new Status(StatusCode.NotFound, $"{field} {problem}"));
}

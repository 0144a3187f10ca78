using System.Text;
using Grpc.Core;

namespace DragGan.Cli;

/// <summary>A status from the service as an exit code and a one-line message.</summary>
internal static class RpcFailures
{
    public static int ExitCode(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.OutOfRange => ExitCodes.BadInput,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => ExitCodes.Unreachable,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => ExitCodes.Auth,
        _ => ExitCodes.Failure,
    };

    public static string Message(RpcException e, Uri? address)
    {
        var detail = OneLine(e.Status.Detail);
        // grpc-dotnet reports a refused connection as UNAVAILABLE with the socket error beside it.
        if (e.Status.DebugException is { } cause)
            detail = $"{detail} ({OneLine(cause.Message)})";
        var status = ProtoName(e.StatusCode);
        return e.StatusCode switch
        {
            StatusCode.Unavailable when address is not null => $"cannot reach the session service at {address}: {status}: {detail}",
            StatusCode.DeadlineExceeded => $"the session service did not answer in time ({status}); raise --timeout",
            StatusCode.Unauthenticated => $"{status}: {detail} (set --api-key, DRAGGAN_API_KEY or apiKey in the configuration file)",
            _ => $"{status}: {detail}",
        };
    }

    /// <summary>NotFound as NOT_FOUND, the way the contract and gRPC tools spell statuses.</summary>
    private static string ProtoName(StatusCode code)
    {
        var name = code.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
                builder.Append('_');
            builder.Append(char.ToUpperInvariant(name[i]));
        }
        return builder.ToString();
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}

using DragGan.Sessions.Errors;
using Grpc.Core;

namespace DragGan.Sessions.Inference;

/// <summary>
/// The inference client's statuses as the session service's own errors: the rest of the service
/// decides by <see cref="InferenceFailure"/>, and the status travels along for the gRPC layer to relay.
/// </summary>
internal static class InferenceErrors
{
    public static InferenceFailedException From(RpcException e) => new(FailureOf(e.StatusCode), e.Status.Detail, e);

    /// <summary>Runs an inference call, its failure as an <see cref="InferenceFailedException"/>.</summary>
    public static async Task<T> TranslateAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException e)
        {
            throw From(e);
        }
    }

    private static InferenceFailure FailureOf(StatusCode status) => status switch
    {
        StatusCode.Unavailable or StatusCode.Unknown or StatusCode.Aborted or StatusCode.DeadlineExceeded or StatusCode.Cancelled
            => InferenceFailure.ReplicaFailed,
        StatusCode.ResourceExhausted => InferenceFailure.ReplicaFull,
        StatusCode.Internal => InferenceFailure.BadReply,
        StatusCode.InvalidArgument => InferenceFailure.InvalidInput,
        _ => InferenceFailure.Refused,
    };
}

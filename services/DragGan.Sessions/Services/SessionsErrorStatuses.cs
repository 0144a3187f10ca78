using DragGan.Sessions.Errors;
using Grpc.Core;

namespace DragGan.Sessions.Services;

/// <summary>
/// The status, and message, clients get for each of the service's own errors
/// (<see cref="SessionsException"/>). The inference service's failures are relayed as it answered.
/// </summary>
internal static class SessionsErrorStatuses
{
    public static Status Of(SessionsException e) => e switch
    {
        InvalidInputException => new Status(StatusCode.InvalidArgument, e.Message),
        ReferenceNotFoundException or DragSessionGoneException => new Status(StatusCode.NotFound, e.Message),
        OperationNotAllowedException => new Status(StatusCode.FailedPrecondition, e.Message),
        VersionMismatchException => new Status(StatusCode.Aborted, e.Message),
        LimitReachedException => new Status(StatusCode.ResourceExhausted, e.Message),
        TemporarilyUnavailableException => new Status(StatusCode.Unavailable, e.Message),
        InferenceFailedException inference => Relayed(inference).Status,
        // What failed, and what the session kept of the drag; a failure of unknown kind is not described.
        DragFailedException failed => failed.InnerException is SessionsException cause
            ? new Status(Of(cause).StatusCode, $"{Of(cause).Detail} {failed.Outcome}")
            : new Status(StatusCode.Internal, $"The drag failed. {failed.Outcome}"),
        _ => new Status(StatusCode.Internal, e.Message),
    };

    public static RpcException ToRpcException(SessionsException e) =>
        e is InferenceFailedException inference ? Relayed(inference) : new RpcException(Of(e));

    /// <summary>
    /// The inference service's own answer, with its trailers; renamed where it names a field the
    /// client gave under another name. A failure without an answer (a stream that ended early, a
    /// reply out of contract) gets the status of its kind.
    /// </summary>
    private static RpcException Relayed(InferenceFailedException e) => e.InnerException switch
    {
        RpcException answer when answer.Status.Detail == e.Message => answer,
        RpcException answer => new RpcException(new Status(answer.StatusCode, e.Message), answer.Trailers),
        _ => new RpcException(new Status(e.Failure switch
        {
            InferenceFailure.ReplicaFull => StatusCode.ResourceExhausted,
            InferenceFailure.BadReply => StatusCode.Internal,
            _ => StatusCode.Unavailable,
        }, e.Message)),
    };
}

using Grpc.Core;

namespace DragGan.Inference.Streaming;

/// <summary>Reads the message that opens a client stream, within the configured start timeout.</summary>
internal static class FirstMessage
{
    /// <exception cref="RpcException">
    /// INVALID_ARGUMENT when the client half-closes first; FAILED_PRECONDITION when nothing arrives
    /// within <paramref name="timeout"/> (the slot is not held forever by an idle connection).
    /// </exception>
    public static async Task<T> ReadAsync<T>(IAsyncStreamReader<T> requests, TimeSpan timeout, string expected, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            if (await requests.MoveNext(wait.Token))
                return requests.Current;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"start: the stream must open with {expected} message within {timeout.TotalSeconds:0.#} s."));
        }
        throw new RpcException(new Status(StatusCode.InvalidArgument, $"kind: the stream ended before {expected} message."));
    }
}

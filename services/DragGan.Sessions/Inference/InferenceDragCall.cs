using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.Sessions.Inference;

/// <summary>
/// One Drag stream to an inference replica: requests go out, frames come back, and a failed call
/// surfaces as an <see cref="Errors.InferenceFailedException"/>, so that the drag that drives it
/// needs nothing of gRPC.
/// </summary>
public sealed class InferenceDragCall(AsyncDuplexStreamingCall<DragRequest, DragFrame> call) : IDisposable
{
    public async Task SendAsync(DragRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            await call.RequestStream.WriteAsync(request, cancellationToken);
        }
        catch (RpcException e)
        {
            throw InferenceErrors.From(e);
        }
    }

    /// <summary>The replica's frames, until it ends the stream.</summary>
    public async IAsyncEnumerable<DragFrame> ReadFramesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await MoveNextAsync(cancellationToken))
            yield return call.ResponseStream.Current;
    }

    public void Dispose() => call.Dispose();

    private async Task<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await call.ResponseStream.MoveNext(cancellationToken);
        }
        catch (RpcException e)
        {
            throw InferenceErrors.From(e);
        }
    }
}

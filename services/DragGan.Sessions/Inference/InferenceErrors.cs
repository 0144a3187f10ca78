using Grpc.Core;

namespace DragGan.Sessions.Inference;

/// <summary>
/// The inference service names fields of its own requests ("start.image", "image.size"); where
/// the session service forwarded a client's field under another path, the message is rewritten
/// so that it names the client's field.
/// </summary>
internal static class InferenceErrors
{
    public static RpcException RenameField(RpcException e, string inferencePrefix, string clientPrefix)
    {
        if (e.StatusCode != StatusCode.InvalidArgument || !e.Status.Detail.StartsWith(inferencePrefix, StringComparison.Ordinal))
            return e;
        return new RpcException(new Status(e.StatusCode, clientPrefix + e.Status.Detail[inferencePrefix.Length..]), e.Trailers);
    }
}

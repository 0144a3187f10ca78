using Grpc.Core;

namespace DragGan.Inference.Services;

/// <summary>The service's INVALID_ARGUMENT errors: the message always starts with the field's name.</summary>
internal static class Invalid
{
    public static RpcException Argument(string field, string problem) =>
        new(new Status(StatusCode.InvalidArgument, $"{field} {problem}"));
}

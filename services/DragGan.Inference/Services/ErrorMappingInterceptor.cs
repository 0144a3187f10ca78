using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Engine.Models;
using DragGan.Hosting;
using DragGan.Inference.Drags;
using Grpc.Core;

namespace DragGan.Inference.Services;

/// <summary>
/// The inference service's statuses for the engine's exceptions (the rest as every host maps them,
/// see <see cref="ExceptionMappingInterceptor"/>):
/// <list type="bullet">
/// <item><see cref="ImageDecodeException"/>: INVALID_ARGUMENT;</item>
/// <item><see cref="ModelNotFoundException"/>: NOT_FOUND;</item>
/// <item><see cref="ModelLoadException"/>: UNAVAILABLE (the registry retries the load on the next call),
/// naming the model only: the cause (a file path, a parser's message) is for the log, not for clients.</item>
/// </list>
/// </summary>
internal sealed class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : ExceptionMappingInterceptor(logger)
{
    protected override RpcException? MapKnown(Exception e, ServerCallContext context)
    {
        switch (e)
        {
            case ModelNotFoundException notFound:
                return new RpcException(new Status(StatusCode.NotFound, notFound.Message));
            case ModelLoadException load:
                logger.LogError(e, "{Method}: model {Model} could not be loaded", context.Method, load.ModelName);
                return new RpcException(new Status(StatusCode.Unavailable,
                    $"Model '{load.ModelName}' could not be loaded on this replica; the service's log has the cause."));
            case ImageDecodeException decode:
                return new RpcException(new Status(StatusCode.InvalidArgument, decode.Message));
            case DragInputException input:
                // Every call site names the message the input came in; this only keeps engine names off the wire.
                return Invalid.Argument(DragRequestFields.Of(input.Input), input.Problem);
            default:
                return null;
        }
    }
}

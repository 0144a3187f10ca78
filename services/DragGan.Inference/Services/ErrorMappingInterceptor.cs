using DragGan.Engine.Imaging;
using DragGan.Engine.Models;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace DragGan.Inference.Services;

/// <summary>
/// Turns exceptions from the engine into gRPC statuses, for unary and streaming calls alike:
/// <list type="bullet">
/// <item><see cref="ArgumentException"/> (the engine's input checks) and <see cref="ImageDecodeException"/>:
/// INVALID_ARGUMENT, the message led by the exception's <see cref="ArgumentException.ParamName"/>
/// (the request field) when the message does not already name it;</item>
/// <item><see cref="ModelNotFoundException"/>: NOT_FOUND;</item>
/// <item><see cref="ModelLoadException"/>: UNAVAILABLE (the registry retries the load on the next call);</item>
/// <item>cancellation by the client: CANCELLED;</item>
/// <item>anything else: INTERNAL, logged with its stack; the client sees the trace id only.</item>
/// </list>
/// <see cref="RpcException"/>s pass through unchanged.
/// </summary>
internal sealed class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    private RpcException Map(Exception e, ServerCallContext context)
    {
        switch (e)
        {
            case ModelNotFoundException notFound:
                return new RpcException(new Status(StatusCode.NotFound, notFound.Message));
            case ModelLoadException load:
                logger.LogError(e, "{Method}: model {Model} could not be loaded", context.Method, load.ModelName);
                return new RpcException(new Status(StatusCode.Unavailable, load.Message));
            case ArgumentException argument:
                return new RpcException(new Status(StatusCode.InvalidArgument, FieldNames.Describe(argument)));
            case ImageDecodeException decode:
                return new RpcException(new Status(StatusCode.InvalidArgument, decode.Message));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
            default:
                var traceId = context.GetHttpContext().TraceIdentifier;
                logger.LogError(e, "{Method} failed (trace id {TraceId})", context.Method, traceId);
                return new RpcException(new Status(StatusCode.Internal, $"Internal error; the server logged it with trace id {traceId}."));
        }
    }
}

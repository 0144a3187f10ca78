using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace DragGan.Hosting;

/// <summary>
/// Turns exceptions into gRPC statuses, for unary and streaming calls alike. A host names the
/// exceptions of its own domain in <see cref="MapKnown"/>; every host maps the rest the same way:
/// <list type="bullet">
/// <item><see cref="ArgumentException"/> (input checks): INVALID_ARGUMENT, the message led by the
/// exception's <see cref="ArgumentException.ParamName"/> (the request field);</item>
/// <item>cancellation by the client: CANCELLED;</item>
/// <item>anything else: INTERNAL, logged with its stack; the client sees the trace id only.</item>
/// </list>
/// <see cref="RpcException"/>s pass through unchanged.
/// </summary>
public abstract class ExceptionMappingInterceptor(ILogger logger) : Interceptor
{
    /// <summary>
    /// How early the deadline's timer may fire against the wall clock: a timer's tick and
    /// <see cref="DateTime.UtcNow"/> disagree by milliseconds, and more on a loaded machine.
    /// </summary>
    private static readonly TimeSpan DeadlineTimerSlack = TimeSpan.FromMilliseconds(250);

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

    private static bool DeadlinePassed(ServerCallContext context) => context.Deadline - DateTime.UtcNow <= DeadlineTimerSlack;

    /// <summary>The status for an exception of the host's own domain, or null to map it the common way.</summary>
    protected abstract RpcException? MapKnown(Exception e, ServerCallContext context);

    private RpcException Map(Exception e, ServerCallContext context)
    {
        if (MapKnown(e, context) is { } known)
            return known;
        switch (e)
        {
            case ArgumentException argument:
                return new RpcException(new Status(StatusCode.InvalidArgument, FieldNames.Describe(argument)));
            // The call's token fires for a passed deadline too: say which, as the client's own timer would.
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested && DeadlinePassed(context):
                return new RpcException(new Status(StatusCode.DeadlineExceeded, "The call's deadline passed."));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
            default:
                var traceId = context.GetHttpContext().TraceIdentifier;
                logger.LogError(e, "{Method} failed (trace id {TraceId})", context.Method, traceId);
                return new RpcException(new Status(StatusCode.Internal, $"Internal error; the server logged it with trace id {traceId}."));
        }
    }
}

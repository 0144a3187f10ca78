using DragGan.Sessions.Storage;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Data.Sqlite;
using StackExchange.Redis;

namespace DragGan.Sessions.Services;

/// <summary>
/// Turns exceptions into gRPC statuses, for unary and streaming calls alike:
/// <list type="bullet">
/// <item><see cref="SessionNotFoundException"/>: NOT_FOUND, one message for missing, expired and
/// other tenants' sessions;</item>
/// <item><see cref="SessionConflictException"/> (retries ran out): ABORTED;</item>
/// <item><see cref="ArgumentException"/>: INVALID_ARGUMENT led by the field (its ParamName);</item>
/// <item>the store unreachable or busy (Redis connection or timeout, SQLite busy or locked): UNAVAILABLE;</item>
/// <item>cancellation by the client: CANCELLED;</item>
/// <item>anything else: INTERNAL, logged with its stack; the client sees the trace id only.</item>
/// </list>
/// <see cref="RpcException"/>s pass through unchanged (among them the inference service's).
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
            case SessionNotFoundException notFound:
                return new RpcException(new Status(StatusCode.NotFound, notFound.Message));
            case SessionConflictException conflict:
                logger.LogWarning("{Method}: gave up on session {Session} after repeated concurrent writes", context.Method, conflict.Key);
                return new RpcException(new Status(StatusCode.Aborted, "The session was changed concurrently by other calls; retry."));
            case ArgumentException argument:
                return new RpcException(new Status(StatusCode.InvalidArgument, DescribeArgument(argument)));
            case RedisConnectionException or RedisTimeoutException:
            case SqliteException { SqliteErrorCode: 5 or 6 }: // SQLITE_BUSY, SQLITE_LOCKED
                logger.LogWarning(e, "{Method}: the session store is unavailable", context.Method);
                return new RpcException(new Status(StatusCode.Unavailable, "The session store is unavailable; retry."));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
            default:
                var traceId = context.GetHttpContext().TraceIdentifier;
                logger.LogError(e, "{Method} failed (trace id {TraceId})", context.Method, traceId);
                return new RpcException(new Status(StatusCode.Internal, $"Internal error; the server logged it with trace id {traceId}."));
        }
    }

    /// <summary>"field message", without .NET's " (Parameter 'field')" suffix; the bare message when it already starts with the field.</summary>
    internal static string DescribeArgument(ArgumentException e)
    {
        var message = e.Message;
        if (e.ParamName is not { Length: > 0 } field)
            return message;
        var suffix = $" (Parameter '{field}')";
        var at = message.IndexOf(suffix, StringComparison.Ordinal);
        if (at >= 0)
            message = message.Remove(at, suffix.Length);
        return message.StartsWith(field, StringComparison.Ordinal) ? message : $"{field} {message}";
    }
}

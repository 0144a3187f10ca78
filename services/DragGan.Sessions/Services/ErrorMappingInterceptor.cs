using DragGan.Hosting;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Storage;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using StackExchange.Redis;

namespace DragGan.Sessions.Services;

/// <summary>
/// The session service's statuses for its own exceptions (the rest as every host maps them, see
/// <see cref="ExceptionMappingInterceptor"/>):
/// <list type="bullet">
/// <item><see cref="SessionsException"/>s, the service's own errors, as <see cref="SessionsErrorStatuses"/>
/// says; among them the inference service's failures, relayed as it answered;</item>
/// <item><see cref="SessionNotFoundException"/>: NOT_FOUND, one message for missing, expired and
/// other tenants' sessions;</item>
/// <item><see cref="SessionConflictException"/> (retries ran out): ABORTED;</item>
/// <item>the store unreachable or busy (Redis connection or timeout, SQLite busy or locked): UNAVAILABLE;</item>
/// <item><see cref="StoreQuotaExceededException"/> (a tenant's quota, the store's budget): RESOURCE_EXHAUSTED naming it;</item>
/// <item>Redis at its <c>maxmemory</c> (it refuses writes, never evicts sessions): RESOURCE_EXHAUSTED.</item>
/// </list>
/// </summary>
internal sealed class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : ExceptionMappingInterceptor(logger)
{
    protected override RpcException? MapKnown(Exception e, ServerCallContext context)
    {
        switch (e)
        {
            case SessionsException own:
                return SessionsErrorStatuses.ToRpcException(own);
            case SessionNotFoundException notFound:
                return new RpcException(new Status(StatusCode.NotFound, notFound.Message));
            case SessionConflictException conflict:
                logger.LogWarning("{Method}: gave up on session {Session} after repeated concurrent writes", context.Method, conflict.Key);
                return new RpcException(new Status(StatusCode.Aborted, "The session was changed concurrently by other calls; retry."));
            case StoreQuotaExceededException quota:
                return new RpcException(new Status(StatusCode.ResourceExhausted, quota.Message));
            case RedisServerException full when full.Message.StartsWith("OOM", StringComparison.Ordinal):
                logger.LogError("{Method}: the session store has reached its memory limit", context.Method);
                return new RpcException(new Status(StatusCode.ResourceExhausted, "The session store is full; retry later."));
            case RedisConnectionException or RedisTimeoutException:
            case SqliteException { SqliteErrorCode: 5 or 6 }: // SQLITE_BUSY, SQLITE_LOCKED
                logger.LogWarning(e, "{Method}: the session store is unavailable", context.Method);
                return new RpcException(new Status(StatusCode.Unavailable, "The session store is unavailable; retry."));
            default:
                return null;
        }
    }
}

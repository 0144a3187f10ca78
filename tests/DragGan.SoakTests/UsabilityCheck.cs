using System.Collections.Concurrent;
using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.SoakTests;

/// <summary>
/// After the soak: every session a tenant kept must still be readable, take a new drag (taking over
/// one that was left paused), commit it, and undo it; every session it deleted must be gone, with
/// no drag left on it. A few sessions are checked at once, on both replicas; a refusal by the rate
/// limit or the tenant's drag limit is waited out (10 s at most) and the call tried again, any other
/// error is a failure.
/// </summary>
internal static class UsabilityCheck
{
    private const int AtOnce = 3;

    public static async Task<(int Checked, List<string> Failures)> LiveAsync(Tenant tenant, CancellationToken cancellation)
    {
        string[] sessions;
        lock (tenant.LiveSessions)
            sessions = [.. tenant.LiveSessions];
        var failures = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(sessions, new ParallelOptions { MaxDegreeOfParallelism = AtOnce, CancellationToken = cancellation }, async (id, token) =>
        {
            try
            {
                var session = await Retried(() => tenant.Next().GetSessionAsync(new GetSessionRequest { SessionId = id }, cancellationToken: token).ResponseAsync, token);
                var start = Tenant.DragStart(id, session.Resolution, maxSteps: 20, new FrameOptions { EveryKSteps = 10 });
                start.TakeOver = true;
                var drag = await Retried(() => DragRun.RunAsync(tenant.Next(), start, stopAtStep: 1, token), token);
                if (drag.CommittedEntryId is null)
                {
                    failures.Enqueue($"{tenant.Name}/{id}: the drag committed nothing");
                    return;
                }
                await Retried(() => tenant.Next().UndoAsync(new UndoRequest { SessionId = id }, cancellationToken: token).ResponseAsync, token);
            }
            catch (RpcException e)
            {
                failures.Enqueue($"{tenant.Name}/{id}: {e.StatusCode} {e.Status.Detail}");
            }
        });
        return (sessions.Length, [.. failures]);
    }

    public static async Task<(int Checked, List<string> Failures)> DeletedAsync(Tenant tenant, CancellationToken cancellation)
    {
        string[] sessions;
        lock (tenant.LiveSessions)
            sessions = [.. tenant.DeletedSessions];
        var failures = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(sessions, new ParallelOptions { MaxDegreeOfParallelism = AtOnce, CancellationToken = cancellation }, async (id, token) =>
        {
            try
            {
                await Retried(() => tenant.Next().GetSessionAsync(new GetSessionRequest { SessionId = id }, cancellationToken: token).ResponseAsync, token);
                failures.Enqueue($"{tenant.Name}/{id}: deleted, still readable");
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
            }
            catch (RpcException e)
            {
                failures.Enqueue($"{tenant.Name}/{id}: deleted, read answered {e.StatusCode} {e.Status.Detail}");
            }
        });
        return (sessions.Length, [.. failures]);
    }

    private static async Task<T> Retried<T>(Func<Task<T>> call, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && attempt < 40
                && RefusalReason.Of(e) is var reason && (reason.Contains("RateLimit", StringComparison.Ordinal) || reason.Contains("TenantLimits", StringComparison.Ordinal)))
            {
                await Task.Delay(250, cancellation);
            }
        }
    }
}

using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.SoakTests;

/// <summary>
/// After the soak: every session a tenant kept must still be readable, take a new drag (taking over
/// one that was left paused), commit it, and undo it.
/// </summary>
internal static class UsabilityCheck
{
    public static async Task<(int Checked, List<string> Failures)> RunAsync(Tenant tenant, CancellationToken cancellation)
    {
        string[] sessions;
        lock (tenant.LiveSessions)
            sessions = [.. tenant.LiveSessions];
        var failures = new List<string>();
        foreach (var id in sessions)
        {
            try
            {
                var session = await tenant.Client.GetSessionAsync(new GetSessionRequest { SessionId = id }, cancellationToken: cancellation);
                var start = Tenant.DragStart(id, session.Resolution, maxSteps: 20, new FrameOptions { EveryKSteps = 10 });
                start.TakeOver = true;
                var drag = await DragRun.RunAsync(tenant, start, stopAtStep: 1, cancellation);
                if (drag.CommittedEntryId is null)
                {
                    failures.Add($"{tenant.Name}/{id}: the drag committed nothing");
                    continue;
                }
                await tenant.Client.UndoAsync(new UndoRequest { SessionId = id }, cancellationToken: cancellation);
            }
            catch (RpcException e)
            {
                failures.Add($"{tenant.Name}/{id}: {e.StatusCode} {e.Status.Detail}");
            }
        }
        return (sessions.Length, failures);
    }
}

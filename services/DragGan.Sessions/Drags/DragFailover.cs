using System.Diagnostics;
using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Telemetry;

namespace DragGan.Sessions.Drags;

/// <summary>
/// Runs a drag's inference streams one replica after another until one of them ends it. When a
/// replica fails, is full or drains, the drag resumes on another from the last state saved with
/// the session, and the commands sent since are replayed (<see cref="CommandReplay"/>), so the
/// client sees a short pause and a frame marked <c>resumed</c>. It gives up after
/// <see cref="MaxReplicaAttempts"/> replicas, or when none is available for a while.
/// </summary>
internal sealed class DragFailover(DragPlan plan, InferenceGateway inference, InferenceDragStream stream, SessionEditor editor, SessionsMetrics metrics)
{
    private const int MaxReplicaAttempts = 6;
    private static readonly TimeSpan NoReplicaRetry = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The drag's streams until one gives its final frame, which <paramref name="finish"/> takes
    /// before the final frame is returned (a replica failure while finishing moves the drag on too).
    /// </summary>
    public async Task<DragFrame> DriveAsync(Func<DragFrame, Task> finish, Action published, Activity? trace, CancellationToken abort)
    {
        var state = plan.ResumeFrom;
        var replay = new CommandReplay();
        var failed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var resumed = false;
        InferenceFailedException? lastError = null;
        for (var attempt = 0; ; attempt++)
        {
            trace?.SetTag("draggan.failovers", attempt);
            var replica = await PickReplicaAsync(failed, attempt, lastError, abort);
            trace?.SetTag("draggan.replica", replica.Address);
            var reason = "failed";
            try
            {
                var end = await stream.RunAsync(replica, state, replay, resumed, published, abort);
                if (end.Final is { } final)
                {
                    await finish(final);
                    return final;
                }
                // Handed back (the replica drains): continue elsewhere from the state it handed back.
                state = end.State ?? state;
                reason = "handed_back";
            }
            catch (InferenceFailedException e) when (e.CanMoveToAnotherReplica && !abort.IsCancellationRequested)
            {
                // A full replica is a healthy one: only this drag looks elsewhere.
                if (e.Failure == InferenceFailure.ReplicaFull)
                    reason = "replica_full";
                else
                    inference.ReportDragFailure(replica, e);
                lastError = e;
            }
            catch (IOException e)
            {
                inference.ReportDragFailure(replica, e);
            }
            failed.Add(replica.Address);
            state = await LatestStateAsync() ?? state;
            resumed = true;
            metrics.DragResumed(reason);
        }
    }

    private async Task<InferenceReplica> PickReplicaAsync(HashSet<string> failed, int attempt, InferenceFailedException? lastError, CancellationToken abort)
    {
        for (var wait = 0; ; wait++)
        {
            if (attempt >= MaxReplicaAttempts && lastError?.Failure == InferenceFailure.ReplicaFull)
                throw new LimitReachedException(
                    "Every inference replica tried serves its maximum of streams; the drag's last state is saved with the session: retry later.");
            if (attempt >= MaxReplicaAttempts)
                throw new TemporarilyUnavailableException($"The drag failed on {attempt} inference replicas.");
            var candidates = await inference.DragReplicasAsync(failed, plan.Start.Model, abort);
            if (candidates.Count > 0)
                return candidates[0];
            // Every known replica failed this drag: give them all another chance after a pause.
            failed.Clear();
            if (wait >= 10)
                throw new TemporarilyUnavailableException("No inference replica is available.");
            await Task.Delay(NoReplicaRetry, abort);
        }
    }

    /// <summary>The state saved with the session, while the drag is still the session's.</summary>
    private async Task<DragState?> LatestStateAsync()
    {
        var record = await editor.GetAsync(plan.Key, CancellationToken.None);
        return record.Value.Session.ActiveDrag?.DragId == plan.DragId ? record.Value.DragState : null;
    }
}

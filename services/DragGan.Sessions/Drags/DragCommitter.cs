using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Storage;

namespace DragGan.Sessions.Drags;

/// <summary>
/// Gives a drag's result to its session: the final frame's state committed to the history (or the
/// drag discarded), and, after a run that failed for good, the last saved state committed instead,
/// so that the session is usable again. Each returns the last frame for the drag's watchers.
/// </summary>
internal sealed class DragCommitter(DragPlan plan, SessionEditor editor, ILogger logger)
{
    /// <summary>Commits the final frame's state, or discards the drag when <paramref name="discard"/>.</summary>
    public async Task<SessionDragFrame> FinishAsync(DragFrame final, bool discard)
    {
        var finalState = final.State ?? throw new InferenceFailedException(InferenceFailure.BadReply, "The final frame carried no state.");
        var last = new SessionDragFrame { Frame = plan.ForClient(final), SessionId = plan.Key.Id, DragId = plan.DragId };
        if (discard)
        {
            var record = await editor.DiscardDragAsync(plan.Key, plan.DragId, CancellationToken.None);
            last.Discarded = true;
            last.Session = SessionViews.Project(record, SessionView.Standard);
        }
        else
        {
            var outcome = final.Converged ? DragOutcome.Converged : final.StepLimitReached ? DragOutcome.StepLimitReached : DragOutcome.Stopped;
            var result = await editor.CommitDragAsync(plan.Key, Committed(finalState, final.Step, outcome), CancellationToken.None);
            last.CommittedEntryId = result.EntryId;
            last.Session = SessionViews.Project(result.Session, SessionView.Standard);
        }
        return last;
    }

    /// <summary>
    /// The run failed for good: commits the last saved state (what clients saw, up to the last
    /// <see cref="SessionsOptions.PersistEveryKSteps"/> steps), or drops a drag that saved none (or
    /// is to be discarded), so that the session is usable again. Returns the error for the run's
    /// watchers and the last frame for those on other replicas.
    /// </summary>
    public async Task<(Exception Error, SessionDragFrame Last)> SalvageAsync(Exception failure, bool discard, uint step)
    {
        var dropped = new SessionDragFrame { SessionId = plan.Key.Id, DragId = plan.DragId, Discarded = true };
        try
        {
            var stored = (await editor.GetAsync(plan.Key, CancellationToken.None)).Value;
            if (stored.Session.ActiveDrag?.DragId != plan.DragId)
                return (failure, dropped);
            if (discard || stored.DragState is not { } state)
            {
                var record = await editor.DiscardDragAsync(plan.Key, plan.DragId, CancellationToken.None);
                dropped.Session = SessionViews.Project(record, SessionView.Standard);
                return (failure, dropped);
            }
            var result = await editor.CommitDragAsync(plan.Key, Committed(state, state.Step, DragOutcome.Stopped), CancellationToken.None);
            var error = new DragFailedException(failure, state.Step, result.EntryId);
            var last = new SessionDragFrame
            {
                Frame = new DragFrame { Step = state.Step, Final = true },
                SessionId = plan.Key.Id,
                DragId = plan.DragId,
                CommittedEntryId = result.EntryId,
                Session = SessionViews.Project(result.Session, SessionView.Standard),
            };
            return (error, last);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Drag {DragId} of session {SessionId} could not be ended after its failure; it stays on the session to be taken over or stopped", plan.DragId, plan.Key.Id);
            return (failure, HandedBack(step));
        }
    }

    /// <summary>Tells watchers on other replicas that this replica no longer runs the drag (a replica that takes it over goes on).</summary>
    public SessionDragFrame HandedBack(uint step) => new()
    {
        Frame = new DragFrame { Step = step, HandedBack = true },
        SessionId = plan.Key.Id,
        DragId = plan.DragId,
    };

    private CommittedDrag Committed(DragState state, uint steps, DragOutcome outcome) => new(plan.DragId, state.Latent,
        state.Handles.Select(h => new PointPair { Handle = h.Handle, Target = h.Target }).ToList(), state.Mask, state.Parameters, steps, outcome);
}

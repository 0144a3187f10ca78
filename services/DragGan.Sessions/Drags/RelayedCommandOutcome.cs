using DragGan.Sessions.Errors;

namespace DragGan.Sessions.Drags;

/// <summary>What became of a command sent through the relay to the replica that runs a drag.</summary>
internal enum RelayedCommandOutcome
{
    /// <summary>The runner queued it.</summary>
    Queued,

    /// <summary>The runner's queue of commands is full: the command was not queued.</summary>
    QueueFull,

    /// <summary>No replica listens for the drag's commands.</summary>
    NoRunner,

    /// <summary>A replica listened but did not answer in time.</summary>
    NoAnswer,
}

internal static class RelayedCommandOutcomes
{
    /// <summary>Nothing for <see cref="RelayedCommandOutcome.Queued"/>; the error the caller gets for the others.</summary>
    public static void ThrowUnlessQueued(this RelayedCommandOutcome outcome, string dragId)
    {
        switch (outcome)
        {
            case RelayedCommandOutcome.Queued:
                return;
            case RelayedCommandOutcome.QueueFull:
                throw new LimitReachedException(
                    $"Drag '{dragId}' has its most commands waiting; retry when it has applied them.");
            case RelayedCommandOutcome.NoAnswer:
                throw new TemporarilyUnavailableException(
                    $"The session-service replica that runs drag '{dragId}' did not answer; retry.");
            default:
                throw new TemporarilyUnavailableException(
                    $"No session-service replica runs drag '{dragId}' at the moment; retry, and it is taken over.");
        }
    }
}

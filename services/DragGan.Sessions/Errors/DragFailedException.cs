namespace DragGan.Sessions.Errors;

/// <summary>
/// A drag failed for good after saving some of its progress: the last saved state was committed to
/// the session's history, so the client learns both what failed (<see cref="Exception.InnerException"/>)
/// and which entry holds the drag's result (<see cref="Outcome"/>).
/// </summary>
public sealed class DragFailedException(Exception cause, uint savedStep, ulong entryId)
    : SessionsException($"{cause.Message} {OutcomeOf(savedStep, entryId)}", cause)
{
    public uint SavedStep { get; } = savedStep;

    public ulong EntryId { get; } = entryId;

    /// <summary>What clients are told after the cause.</summary>
    public string Outcome => OutcomeOf(SavedStep, EntryId);

    private static string OutcomeOf(uint step, ulong entryId) =>
        $"The drag's last saved state (step {step}) is committed as history entry {entryId}.";
}

namespace DragGan.Sessions.Admission;

/// <summary>
/// What one tenant may run at once across all session-service replicas (<c>Sessions:TenantLimits</c>),
/// counted through the session store. Work beyond a limit is refused with RESOURCE_EXHAUSTED, so
/// that one tenant cannot take every inference slot from the others.
/// </summary>
public sealed class TenantLimitOptions
{
    /// <summary>Drags running (or paused) at once (default 4).</summary>
    public int Drags { get; set; } = 4;

    /// <summary>Inversions (sessions created from an image) running at once (default 2).</summary>
    public int Inversions { get; set; } = 2;

    /// <summary>
    /// Steps of the inversions running at once (default 2000): long inversions cost more. One
    /// inversion alone is always admitted, however many steps it asks for.
    /// </summary>
    public int InversionSteps { get; set; } = 2000;

    /// <summary>Generations (sessions from a seed, rendered images) running at once (default 8).</summary>
    public int Generations { get; set; } = 8;

    internal IEnumerable<string> Problems(string path)
    {
        if (Drags < 1)
            yield return $"{path}:Drags must be at least 1, got {Drags}.";
        if (Inversions < 1)
            yield return $"{path}:Inversions must be at least 1, got {Inversions}.";
        if (InversionSteps < 1)
            yield return $"{path}:InversionSteps must be at least 1, got {InversionSteps}.";
        if (Generations < 1)
            yield return $"{path}:Generations must be at least 1, got {Generations}.";
    }
}

namespace DragGan.Sessions.Exports;

/// <summary>
/// What ExportAnimation may take (<c>Sessions:ExportLimits</c>): an export decodes every frame it
/// encodes and MP4 runs an ffmpeg of its own, so exports are admitted like drags. Beyond a limit
/// the call is refused with RESOURCE_EXHAUSTED naming it.
/// </summary>
public sealed class ExportLimitOptions
{
    /// <summary>Animation exports one tenant runs at once across all replicas (default 2).</summary>
    public int PerTenant { get; set; } = 2;

    /// <summary>Animation exports one replica runs at once, all tenants together (default 4).</summary>
    public int PerReplica { get; set; } = 4;

    /// <summary>Frames one animation encodes, an MP4's repeats of its last frame included (default 600).</summary>
    public int MaxFrames { get; set; } = 600;

    /// <summary>How long one animation plays, milliseconds (default 120000: two minutes).</summary>
    public int MaxDurationMs { get; set; } = 120_000;

    /// <summary>
    /// Linux niceness of the threads that encode animations and of the ffmpeg they start (default 10;
    /// 0..19, higher runs later): exports are batch work and take the CPU that drags and other calls
    /// leave. A process already started at a higher niceness keeps its own.
    /// </summary>
    public int Niceness { get; set; } = 10;

    internal IEnumerable<string> Problems(string path)
    {
        if (PerTenant < 1)
            yield return $"{path}:PerTenant must be at least 1, got {PerTenant}.";
        if (PerReplica < 1)
            yield return $"{path}:PerReplica must be at least 1, got {PerReplica}.";
        if (MaxFrames is < 2 or > 100_000)
            yield return $"{path}:MaxFrames must be in 2..100000, got {MaxFrames}.";
        if (MaxDurationMs is < 1000 or > 3_600_000)
            yield return $"{path}:MaxDurationMs must be in 1000..3600000, got {MaxDurationMs}.";
        if (Niceness is < 0 or > 19)
            yield return $"{path}:Niceness must be in 0..19, got {Niceness}.";
    }
}

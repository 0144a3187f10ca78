namespace DragGan.Sessions.Drags;

/// <summary>
/// What a running drag sends over the relay to watchers on other replicas (<c>Sessions:Relay</c>):
/// frames only while one watches, their images bounded, at a bounded rate. Frames are the newest
/// wins, so a watcher elsewhere sees fewer, smaller frames, never stale ones; the drag's last frame
/// (its commit, discard or hand-back) always goes.
/// </summary>
public sealed class RelayOptions
{
    /// <summary>Longest side of a relayed frame's image, re-encoded as JPEG when larger (default 512).</summary>
    public int FrameMaxSide { get; set; } = 512;

    /// <summary>Frames per second one drag relays at most (default 10).</summary>
    public int MaxFramesPerSecond { get; set; } = 10;

    internal IEnumerable<string> Problems(string path)
    {
        if (FrameMaxSide is < 16 or > 2048)
            yield return $"{path}:FrameMaxSide must be in 16..2048, got {FrameMaxSide}.";
        if (MaxFramesPerSecond is < 1 or > 120)
            yield return $"{path}:MaxFramesPerSecond must be in 1..120, got {MaxFramesPerSecond}.";
    }
}

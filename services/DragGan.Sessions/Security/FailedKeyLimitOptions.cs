namespace DragGan.Sessions.Security;

/// <summary>
/// How many wrong API keys one client address may present (<c>Sessions:FailedKeyLimit</c>) before
/// its calls are refused without looking at the key, per replica.
/// </summary>
public sealed class FailedKeyLimitOptions
{
    /// <summary>Wrong keys allowed per address in one <see cref="Window"/> (default 20).</summary>
    public int Attempts { get; set; } = 20;

    /// <summary>Default 1 minute.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    internal IEnumerable<string> Problems(string path)
    {
        if (Attempts < 1)
            yield return $"{path}:Attempts must be at least 1, got {Attempts}.";
        if (Window <= TimeSpan.Zero)
            yield return $"{path}:Window must be positive, got {Window}.";
    }
}

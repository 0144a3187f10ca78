namespace DragGan.Sessions.Exports;

/// <summary>The video encoder (ffmpeg) could not be started on this replica: it is not installed, or the configured path is wrong.</summary>
public sealed class VideoEncoderUnavailableException(string program, Exception inner)
    : Exception($"'{program}' could not be started: {inner.Message}", inner)
{
    public string Program { get; } = program;
}

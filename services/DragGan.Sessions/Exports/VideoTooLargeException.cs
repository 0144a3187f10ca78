namespace DragGan.Sessions.Exports;

/// <summary>The encoder's output passed <see cref="MaxBytes"/> while it was written; the encoder was stopped.</summary>
public sealed class VideoTooLargeException(long maxBytes, int framesWritten)
    : Exception($"The video passed {maxBytes} bytes after {framesWritten} frames.")
{
    public long MaxBytes { get; } = maxBytes;

    public int FramesWritten { get; } = framesWritten;
}

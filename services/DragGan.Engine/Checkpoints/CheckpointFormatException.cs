namespace DragGan.Engine.Checkpoints;

/// <summary>
/// A checkpoint that cannot be used: not a network pickle, truncated, an unsupported network, or a
/// generator whose tensors do not match its own configuration. The message names the file and what
/// is wrong, so it can be shown to whoever supplied the file.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string message)
        : base(message)
    {
    }

    public CheckpointFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

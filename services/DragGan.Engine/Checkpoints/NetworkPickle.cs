using Razorvine.Pickle;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Runs the pickle virtual machine over a whole network pickle. No Python code is executed: known
/// torch / NumPy / persistence callables map to <see cref="PickleGlobals"/>, anything else becomes inert data.
/// </summary>
internal static class NetworkPickle
{
    public static object? Load(byte[] data)
    {
        // Python 3 writes protocol 2+ pickles, which open with PROTO; anything else is not a network pickle.
        if (TorchSaveStream.IsZip(data))
            throw new CheckpointFormatException("it is a zip archive (a torch.save file?), not a pickled network.");
        if (data.Length < 2 || data[0] != 0x80 || data[1] is < 2 or > Unpickler.HIGHEST_PROTOCOL)
            throw new CheckpointFormatException("it is not a Python pickle (no protocol 2-5 header).");

        PickleGlobals.EnsureRegistered();
        try
        {
            using var unpickler = new Unpickler();
            return unpickler.loads(data);
        }
        catch (Exception e) when (Find<CheckpointFormatException>(e) is { } format)
        {
            throw new CheckpointFormatException(format.Message, format.InnerException);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or EndOfStreamException or IOException)
        {
            throw new CheckpointFormatException("the pickle is truncated (it ends before its STOP opcode).", e);
        }
        catch (Exception e) when (e is PickleException or InvalidCastException or FormatException or OverflowException or ArgumentException or InvalidOperationException)
        {
            throw new CheckpointFormatException($"it is not a readable network pickle ({e.Message}).", e);
        }
    }

    /// <summary>The unpickler wraps errors raised in <c>__setstate__</c>; ours may sit a few levels down.</summary>
    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T match) return match;
        }
        return null;
    }
}

using DragGan.Engine.Networks;

namespace DragGan.Engine.Checkpoints;

/// <summary>The checkpoint formats the engine reads.</summary>
public enum CheckpointFormat
{
    /// <summary>Decide by the file's first bytes, then by its extension.</summary>
    Auto,

    /// <summary>An official StyleGAN2-ADA / DragGAN network pickle (<c>.pkl</c>).</summary>
    Pickle,

    /// <summary>The product's safetensors format (<c>.safetensors</c>), see <see cref="NativeCheckpointFormat"/>.</summary>
    Native,
}

/// <summary>
/// The one entry point services use to load a generator checkpoint from a file, whatever its format.
/// </summary>
public static class CheckpointLoader
{
    public const string PickleExtension = ".pkl";

    /// <summary>Loads a checkpoint; with <see cref="CheckpointFormat.Auto"/> the format is detected.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="CheckpointFormatException">The file is not a usable checkpoint; the message says why.</exception>
    public static GeneratorCheckpoint Load(string path, CheckpointFormat format = CheckpointFormat.Auto)
    {
        var resolved = format == CheckpointFormat.Auto ? Detect(path) : format;
        return resolved switch
        {
            CheckpointFormat.Native => NativeCheckpointFormat.Read(path),
            CheckpointFormat.Pickle => StyleGanPickleReader.Read(path),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown checkpoint format."),
        };
    }

    /// <summary>
    /// The generator config of a checkpoint. Native files answer from their header alone; a
    /// pickle has to be read whole.
    /// </summary>
    public static GeneratorConfig ReadConfig(string path, CheckpointFormat format = CheckpointFormat.Auto)
    {
        var resolved = format == CheckpointFormat.Auto ? Detect(path) : format;
        if (resolved == CheckpointFormat.Native)
            return NativeCheckpointFormat.ReadInfo(path).Config;
        using var checkpoint = Load(path, resolved);
        return checkpoint.Config;
    }

    /// <summary>
    /// The format of a file, from its first bytes (a pickle's PROTO opcode, a safetensors header)
    /// and, when they are inconclusive, from its extension.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="CheckpointFormatException">Neither the content nor the extension names a supported format.</exception>
    public static CheckpointFormat Detect(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);

        Span<byte> prefix = stackalloc byte[16];
        long length;
        int read;
        using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            length = RandomAccess.GetLength(handle);
            read = RandomAccess.Read(handle, prefix, 0);
        }
        prefix = prefix[..read];

        if (NativeCheckpointFormat.HasNativeSignature(prefix, length))
            return CheckpointFormat.Native;
        // Pickle protocol 2+ streams open with PROTO (0x80) and the protocol number.
        if (prefix.Length >= 2 && prefix[0] == 0x80 && prefix[1] is >= 2 and <= 5)
            return CheckpointFormat.Pickle;
        if (prefix.Length >= 4 && prefix[0] == (byte)'P' && prefix[1] == (byte)'K' && prefix[2] == 3 && prefix[3] == 4)
            throw new CheckpointFormatException(
                $"'{path}' is a zip archive (a torch.save state dict?); expected an official network pickle (.pkl) or a native checkpoint (.safetensors).");

        var extension = Path.GetExtension(path);
        if (extension.Equals(NativeCheckpointFormat.Extension, StringComparison.OrdinalIgnoreCase))
            return CheckpointFormat.Native;
        if (extension.Equals(PickleExtension, StringComparison.OrdinalIgnoreCase))
            return CheckpointFormat.Pickle;
        throw new CheckpointFormatException(
            $"'{path}' is neither a network pickle (.pkl) nor a native checkpoint (.safetensors).");
    }
}

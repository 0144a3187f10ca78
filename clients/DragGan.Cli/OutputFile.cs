namespace DragGan.Cli;

/// <summary>The files commands write, checked before any work so that a bad path fails fast (exit 4).</summary>
internal static class OutputFile
{
    /// <summary>Fails when <paramref name="path"/> cannot be a file to write: a folder, or under a file.</summary>
    public static void Check(string? path, string option)
    {
        if (path is null)
            return;
        if (path.Length == 0 || Directory.Exists(path))
            throw new CliException(ExitCodes.OutputFailed, $"{option} '{path}' is not a file name.");
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && File.Exists(directory))
            throw new CliException(ExitCodes.OutputFailed, $"{option} '{path}': '{directory}' is a file, not a folder.");
    }

    /// <summary>Writes the whole file, making its folder; replaces an existing file.</summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
                Directory.CreateDirectory(directory);
            using var file = File.Create(path);
            file.Write(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.OutputFailed, $"Could not write '{path}': {e.Message}");
        }
    }
}

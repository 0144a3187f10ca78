namespace DragGan.ModelTool;

/// <summary>How commands check and write the files they produce, with the tool's exit codes.</summary>
internal static class OutputFile
{
    public static void EnsureWritable(string path, bool force)
    {
        if (File.Exists(path) && !force)
            throw new ToolException(ExitCodes.OutputFailed, $"Output '{path}' exists; pass --force to overwrite it.");
    }

    public static void Write(string path, byte[] bytes)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
                Directory.CreateDirectory(directory);
            File.WriteAllBytes(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolException(ExitCodes.OutputFailed, $"Could not write '{path}': {e.Message}");
        }
    }
}

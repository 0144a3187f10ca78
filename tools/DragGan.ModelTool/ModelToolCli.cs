using System.CommandLine;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Imaging;

namespace DragGan.ModelTool;

/// <summary>
/// draggan-model: convert official network pickles to the native format, inspect checkpoints and
/// generate images. <see cref="Run"/> is the whole program, callable in-process.
/// </summary>
public static class ModelToolCli
{
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("DragGAN model tool: convert, inspect and sample StyleGAN2-ADA generator checkpoints, and drag points locally.");
        root.Add(ConvertCommand.Create());
        root.Add(InspectCommand.Create());
        root.Add(GenerateCommand.Create());
        root.Add(DragCommand.Create());
        return root;
    }

    /// <summary>Parses and runs a command line; returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ParseResult parse;
        try
        {
            parse = BuildRootCommand().Parse(args);
        }
        catch (Exception e)
        {
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }

        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
                error.WriteLine($"error: {parseError.Message}");
            error.WriteLine("Run 'draggan-model --help' (or 'draggan-model <command> --help') for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return parse.Invoke(invocation);
        }
        catch (ToolException e)
        {
            error.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or CheckpointFormatException or ImageDecodeException)
        {
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Commands report their own write failures; what is left is reading an input.
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: unexpected failure: {e}");
            return ExitCodes.Failure;
        }
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;

namespace DragGan.ModelTool;

/// <summary><c>convert &lt;input&gt; &lt;output.safetensors&gt; [--fp16] [--force]</c></summary>
internal static class ConvertCommand
{
    public const string SourceFileKey = "draggan.source_file";
    public const string SourceSha256Key = "draggan.source_sha256";

    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "Official network pickle (.pkl), or a native checkpoint to re-encode." };
        var output = new Argument<string>("output") { Description = "Native checkpoint to write (.safetensors)." };
        var fp16 = new Option<bool>("--fp16") { Description = "Store float16 tensors: half the size, values rounded to float16." };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite the output if it exists." };
        var command = new Command("convert", "Convert a checkpoint (official .pkl: G_ema) to the native .safetensors format.")
        {
            input, output, fp16, force,
        };
        command.SetAction(parse => Run(
            parse.GetRequiredValue(input), parse.GetRequiredValue(output), parse.GetValue(fp16), parse.GetValue(force),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    public static int Run(string input, string output, bool fp16, bool force, TextWriter stdout, TextWriter stderr)
    {
        if (!File.Exists(input))
            throw new ToolException(ExitCodes.BadInput, $"Input '{input}' does not exist.");
        if (Path.GetFullPath(input) == Path.GetFullPath(output))
            throw new ToolException(ExitCodes.Usage, "Input and output are the same file.");
        if (File.Exists(output) && !force)
            throw new ToolException(ExitCodes.OutputFailed, $"Output '{output}' exists; pass --force to overwrite it.");
        if (Directory.Exists(output))
            throw new ToolException(ExitCodes.OutputFailed, $"Output '{output}' is a directory.");
        if (!Path.GetExtension(output).Equals(NativeCheckpointFormat.Extension, StringComparison.OrdinalIgnoreCase))
            stderr.WriteLine($"warning: '{output}' does not end in {NativeCheckpointFormat.Extension}.");

        var clock = Stopwatch.StartNew();
        var format = CheckpointLoader.Detect(input);
        using var checkpoint = CheckpointLoader.Load(input, format);
        var loaded = clock.Elapsed;

        var options = new NativeCheckpointWriteOptions
        {
            Precision = fp16 ? NativeTensorPrecision.Float16 : NativeTensorPrecision.Float32,
            Metadata = new Dictionary<string, string>
            {
                [SourceFileKey] = Path.GetFileName(input),
                [SourceSha256Key] = Sha256(input),
            },
        };
        try
        {
            NativeCheckpointFormat.Write(checkpoint, output, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolException(ExitCodes.OutputFailed, $"Could not write '{output}': {e.Message}");
        }

        var config = checkpoint.Config;
        stdout.WriteLine($"Read {format.ToString().ToLowerInvariant()} checkpoint '{input}' in {loaded.TotalSeconds:F1} s: " +
                         $"{GeneratorKindNames.ToName(config.Kind)}, {config.ImgResolution}x{config.ImgResolution}, {checkpoint.Tensors.Count} tensors.");
        stdout.WriteLine($"Wrote '{output}' ({(fp16 ? "float16" : "float32")}, {Format.Bytes(new FileInfo(output).Length)}) in {clock.Elapsed.TotalSeconds:F1} s.");
        return ExitCodes.Success;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

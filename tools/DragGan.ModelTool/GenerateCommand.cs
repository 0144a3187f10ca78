using System.CommandLine;
using System.Diagnostics;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Imaging;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.ModelTool;

/// <summary>
/// <c>generate [--model faces|demo|PATH] --seed S --psi P --out image.png</c>: one image from a seed,
/// with z drawn as the reference does (<c>np.random.RandomState(seed).randn(1, z_dim)</c>).
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = SharedOptions.Model();
        var seed = SharedOptions.Seed();
        var psi = SharedOptions.Psi();
        var cutoff = new Option<int?>("--truncation-cutoff") { Description = "Truncate only the first N ws rows (default: all)." };
        var noise = new Option<NoiseMode>("--noise-mode") { Description = "Const (fixed, default), Random or None.", DefaultValueFactory = _ => NoiseMode.Const };
        var output = new Option<string>("--out", "-o") { Description = "Image to write (.png or .jpg).", Required = true };
        var size = new Option<int?>("--size") { Description = "Resize the square image to this many pixels a side." };
        var quality = new Option<int>("--quality") { Description = "JPEG quality, 1-100.", DefaultValueFactory = _ => ImageCodec.DefaultJpegQuality };
        var device = SharedOptions.Device();
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite the output if it exists." };
        var command = new Command("generate", "Generate an image from a seed.")
        {
            model, seed, psi, cutoff, noise, output, size, quality, device, force,
        };
        command.SetAction(parse => Run(
            new Request(
                parse.GetRequiredValue(model), parse.GetValue(seed), parse.GetValue(psi), parse.GetValue(cutoff),
                parse.GetValue(noise), parse.GetRequiredValue(output), parse.GetValue(size), parse.GetValue(quality),
                parse.GetRequiredValue(device), parse.GetValue(force)),
            parse.InvocationConfiguration.Output));
        return command;
    }

    public sealed record Request(
        string Model, long Seed, double Psi, int? TruncationCutoff, NoiseMode NoiseMode, string Output,
        int? Size, int Quality, string Device, bool Force);

    public static int Run(Request request, TextWriter stdout)
    {
        SharedOptions.ValidateSeed(request.Seed);
        if (request.Size is <= 0)
            throw new ToolException(ExitCodes.Usage, $"--size must be positive, got {request.Size}.");
        if (request.Quality is < 1 or > 100)
            throw new ToolException(ExitCodes.Usage, $"--quality must be between 1 and 100, got {request.Quality}.");
        if (request.TruncationCutoff is < 0)
            throw new ToolException(ExitCodes.Usage, $"--truncation-cutoff must be >= 0, got {request.TruncationCutoff}.");
        var imageFormat = ImageCodec.FormatFromPath(request.Output)
            ?? throw new ToolException(ExitCodes.Usage, $"--out must end in .png, .jpg or .jpeg, got '{request.Output}'.");
        OutputFile.EnsureWritable(request.Output, request.Force);
        var target = ParseDevice(request.Device);

        var clock = Stopwatch.StartNew();
        var (modelName, checkpoint, _) = ModelSource.Load(request.Model);

        byte[] encoded;
        int resolution;
        using (checkpoint)
        using (var generator = GeneratorFactory.Create(checkpoint, target))
        using (var scope = NewDisposeScope())
        {
            resolution = generator.Resolution;
            using var noGrad = no_grad();
            var ws = generator.MapSeed(request.Seed, request.Psi, request.TruncationCutoff);
            using var result = generator.Synthesize(ws, new SynthesisOptions { NoiseMode = request.NoiseMode });
            encoded = ImageCodec.Encode(result.Image!, new ImageEncodeOptions
            {
                Format = imageFormat,
                JpegQuality = request.Quality,
                Width = request.Size,
                Height = request.Size,
            });
        }

        OutputFile.Write(request.Output, encoded);

        var side = request.Size ?? resolution;
        stdout.WriteLine(Format.Invariant(
            $"Wrote '{request.Output}' ({side}x{side} {imageFormat.ToString().ToUpperInvariant()}, model {modelName}, seed {request.Seed}, psi {request.Psi}) in {clock.Elapsed.TotalSeconds:F1} s."));
        return ExitCodes.Success;
    }

    internal static Device ParseDevice(string text)
    {
        Device device;
        try
        {
            device = new Device(text);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new ToolException(ExitCodes.Usage, $"--device must be cpu, cuda or cuda:N, got '{text}'.");
        }
        if (device.type == DeviceType.CUDA && !cuda.is_available())
            throw new ToolException(ExitCodes.BadInput, "--device asks for CUDA, but no CUDA device is available to this build (it may be the CPU build).");
        return device;
    }
}

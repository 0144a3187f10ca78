using System.CommandLine;
using DragGan.Protos.V1;
using DragGan.Cli.Progress;

namespace DragGan.Cli.Commands;

/// <summary>
/// <c>draggan invert photo.jpg [--model M] [--steps N] [--lr R] [--tuning-steps N] [--tuning-rank R]
/// [--no-tuning] [--png FILE]</c>: a session from a photo, which the service inverts to a latent
/// and, by default, tunes the generator to (pivotal tuning); shows the inversion's steps as they
/// run (<see cref="InversionDisplay"/>), then prints the session's id alone, and the
/// reconstruction's PSNR on standard error.
/// </summary>
internal static class InvertCommand
{
    public static Command Create(CommandContext context)
    {
        var photo = new Argument<string>("IMAGE") { Description = "A square PNG or JPEG; the service resizes it to the model's resolution." };
        var model = CommandOptions.Model();
        var steps = CommandOptions.Steps("Projection steps, 1..10000; default 1000.");
        var learningRate = new Option<double?>("--lr") { Description = "Adam learning rate of the projection, in (0, 1]; default 0.1." };
        var tuningSteps = new Option<uint?>("--tuning-steps") { Description = "Pivotal-tuning steps, 1..2000; default 350 (tuning may stop early)." };
        var tuningRank = new Option<uint?>("--tuning-rank") { Description = "Rank of the tuned low-rank weight delta, 1..64; default 8." };
        var noTuning = new Option<bool>("--no-tuning") { Description = "Invert into the latent only, without tuning the generator to the photo." };
        var png = new Option<string>("--png") { Description = "Write the reconstruction (the session's first image) as PNG here." };
        var command = new Command("invert", "Create a session from an image by GAN inversion and pivotal tuning, and print its id.")
        {
            photo, model, steps, learningRate, tuningSteps, tuningRank, noTuning, png,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetRequiredValue(photo);
            OutputFile.Check(parse.GetValue(png), "--png");
            var image = ReadImage(path);
            var options = new InvertOptions();
            if (parse.GetValue(steps) is { } count)
                options.Steps = count;
            if (parse.GetValue(learningRate) is { } rate)
                options.LearningRate = rate;
            if (parse.GetValue(noTuning))
                options.PivotalTuning = false;
            if (parse.GetValue(tuningSteps) is { } tuning)
                options.TuningSteps = tuning;
            if (parse.GetValue(tuningRank) is { } rank)
                options.TuningRank = rank;

            using var client = context.Connect(parse);
            var session = await InversionDisplay.For(context).ShowAsync($"inverting {Path.GetFileName(path)} ({Describe(options)})",
                progress => client.CreateFromImageAsync(image, parse.GetValue(model), options, progress, cancellationToken));
            context.Out.WriteLine(session.Id);
            var entry = session.History.Count > 0 ? session.History[0] : null;
            context.Environment.Error.WriteLine(session.WeightDeltaBytes > 0
                ? $"reconstruction: {entry?.Psnr:0.00} dB PSNR after {entry?.Steps} steps; tuned weight delta {session.WeightDeltaBytes} bytes"
                : $"reconstruction: {entry?.Psnr:0.00} dB PSNR after {entry?.Steps} steps; not tuned");
            if (parse.GetValue(png) is { } file)
                OutputFile.Write(file, await client.ExportPngAsync(session.Id, cancellationToken: cancellationToken));
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Describe(InvertOptions options) =>
        $"{(options.HasSteps ? options.Steps : 1000)} projection steps"
        + (options is { HasPivotalTuning: true, PivotalTuning: false } ? "" : $", then up to {(options.HasTuningSteps ? options.TuningSteps : 350)} tuning steps");

    private static byte[] ReadImage(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.BadInput, $"Cannot read '{path}': {e.Message}");
        }
    }
}

using System.CommandLine;
using DragGan.Protos.V1;
using Spectre.Console;

namespace DragGan.Cli.Commands;

/// <summary>
/// <c>draggan invert photo.jpg [--model M] [--steps N] [--lr R]</c>: a session from a photo, which
/// the service inverts to a latent first (GAN inversion); prints the session's id alone.
/// </summary>
internal static class InvertCommand
{
    public static Command Create(CommandContext context)
    {
        var photo = new Argument<string>("IMAGE") { Description = "A square PNG or JPEG; the service resizes it to the model's resolution." };
        var model = CommandOptions.Model();
        var steps = CommandOptions.Steps("Inversion steps, 1..10000; default 1000.");
        var learningRate = new Option<double?>("--lr") { Description = "Adam learning rate of the inversion, in (0, 1]; default 0.1." };
        var command = new Command("invert", "Create a session from an image by GAN inversion and print its id.") { photo, model, steps, learningRate };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetRequiredValue(photo);
            var image = ReadImage(path);
            var options = new InvertOptions();
            if (parse.GetValue(steps) is { } count)
                options.Steps = count;
            if (parse.GetValue(learningRate) is { } rate)
                options.LearningRate = rate;

            using var client = context.Connect(parse);
            var invert = () => client.CreateFromImageAsync(image, parse.GetValue(model), options, cancellationToken);
            var session = context.Environment.OutputIsTerminal
                ? await context.Terminal().Status().StartAsync(Markup.Escape($"inverting {Path.GetFileName(path)} ({(options.HasSteps ? options.Steps : 1000)} steps)"), _ => invert())
                : await invert();
            context.Out.WriteLine(session.Id);
            return ExitCodes.Success;
        });
        return command;
    }

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

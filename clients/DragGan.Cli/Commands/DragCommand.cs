using System.CommandLine;
using DragGan.Cli.Progress;
using DragGan.Protos.V1;

namespace DragGan.Cli.Commands;

/// <summary>
/// <c>draggan drag SESSION --point x,y:x2,y2 [--point ...] [--mask mask.png] [--steps N] [--lr R]</c>:
/// drags the session's current state until it converges or reaches the step limit, showing
/// progress, and commits the result to its history.
/// </summary>
internal static class DragCommand
{
    public static Command Create(CommandContext context)
    {
        var session = CommandOptions.Session();
        var points = CommandOptions.Points();
        var mask = CommandOptions.Mask();
        var steps = CommandOptions.Steps("Most optimisation steps (max_steps); default: the session's last, else 500.");
        var learningRate = CommandOptions.LearningRate();
        var command = new Command("drag", "Drag points of a session's image (DragGAN) and commit the result.") { session, points, mask, steps, learningRate };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var pairs = PointPairs.Parse(parse.GetRequiredValue(points));
            var maskFile = parse.GetValue(mask) is { } maskPath ? MaskFile.Read(maskPath) : null;
            using var client = context.Connect(parse);
            var id = parse.GetRequiredValue(session);
            var current = await client.GetSessionAsync(id, SessionView.Basic, cancellationToken);
            var maxSteps = parse.GetValue(steps);
            var start = DragStarts.Create(id, pairs, maskFile?.ForResolution(current.Resolution), maxSteps, parse.GetValue(learningRate), current.Resolution);

            var total = maxSteps ?? (current.Parameters is { HasMaxSteps: true } last ? last.MaxSteps : DragRunner.DefaultMaxSteps);
            var result = await DragRunner.RunAsync(client, start, total, DragProgress.For(context), cancellationToken);
            foreach (var line in DragRunner.Describe(result))
                context.Out.WriteLine(line);
            return cancellationToken.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Success;
        });
        return command;
    }
}

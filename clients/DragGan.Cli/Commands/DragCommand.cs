using System.CommandLine;
using DragGan.Cli.Progress;
using DragGan.Protos.V1;

namespace DragGan.Cli.Commands;

/// <summary>
/// <c>draggan drag SESSION --point x,y:x2,y2 [--point ...] [--mask mask.png] [--steps N] [--lr R] [--take-over]</c>:
/// drags the session's current state until it converges or reaches the step limit, showing
/// progress, and commits the result to its history. With <c>--take-over</c> a drag already running
/// on the session (its client or its session-service replica gone) is continued instead.
/// </summary>
internal static class DragCommand
{
    public static Command Create(CommandContext context)
    {
        var session = CommandOptions.Session();
        var points = CommandOptions.Points(required: false);
        var mask = CommandOptions.Mask();
        var steps = CommandOptions.Steps("Most optimisation steps (max_steps); default: the session's last, else 500.");
        var learningRate = CommandOptions.LearningRate();
        var takeOver = new Option<bool>("--take-over")
        {
            Description = "Continue the drag already running on the session (from its last saved step when the process that ran it is gone) instead of failing; --point is then optional.",
        };
        var command = new Command("drag", "Drag points of a session's image (DragGAN) and commit the result.") { session, points, mask, steps, learningRate, takeOver };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var pairs = PointPairs.Parse(parse.GetValue(points) ?? []);
            if (pairs.Count == 0 && !parse.GetValue(takeOver))
                throw new CliException(ExitCodes.Usage, "--point is required (at least one 'x,y:x2,y2'), unless --take-over continues a running drag.");
            var maskFile = parse.GetValue(mask) is { } maskPath ? MaskFile.Read(maskPath) : null;
            using var client = context.Connect(parse);
            var id = parse.GetRequiredValue(session);
            var current = await client.GetSessionAsync(id, SessionView.Basic, cancellationToken);
            var maxSteps = parse.GetValue(steps);
            var start = DragStarts.Create(id, pairs, maskFile?.ForResolution(current.Resolution), maxSteps, parse.GetValue(learningRate), current.Resolution);
            start.TakeOver = parse.GetValue(takeOver);

            var total = maxSteps ?? (current.Parameters is { HasMaxSteps: true } last ? last.MaxSteps : DragRunner.DefaultMaxSteps);
            var result = await DragRunner.RunAsync(client, start, total, DragProgress.For(context), cancellationToken);
            foreach (var line in DragRunner.Describe(result))
                context.Out.WriteLine(line);
            return cancellationToken.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Success;
        });
        return command;
    }
}

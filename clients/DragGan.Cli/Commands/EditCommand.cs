using System.CommandLine;
using DragGan.Cli.Progress;

namespace DragGan.Cli.Commands;

/// <summary>
/// <c>draggan edit --model M --seed S --point ... [--mask m.png] [--steps N] --png out.png --gif drag.gif [--mp4 drag.mp4] [--latent w.npy]</c>:
/// new, drag and export in one call. Prints <c>session ID</c> first, so the session can be
/// continued with the other commands.
/// </summary>
internal static class EditCommand
{
    public static Command Create(CommandContext context)
    {
        var model = CommandOptions.Model();
        var seed = CommandOptions.Seed();
        var psi = CommandOptions.Psi();
        var points = CommandOptions.Points();
        var mask = CommandOptions.Mask();
        var steps = CommandOptions.Steps("Most optimisation steps (max_steps); default 500.");
        var learningRate = CommandOptions.LearningRate();
        var png = CommandOptions.Png();
        var gif = CommandOptions.Gif();
        var mp4 = CommandOptions.Mp4();
        var latent = CommandOptions.Latent();
        var command = new Command("edit", "Create a session from a seed, drag its points and write the results, in one call.")
        {
            model, seed, psi, points, mask, steps, learningRate, png, gif, mp4, latent,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Everything that can be checked here is, before the service does any work.
            var pairs = PointPairs.Parse(parse.GetRequiredValue(points));
            var targets = new ExportTargets(parse.GetValue(png), parse.GetValue(gif), parse.GetValue(mp4), parse.GetValue(latent));
            targets.Check();
            var maskFile = parse.GetValue(mask) is { } maskPath ? MaskFile.Read(maskPath) : null;
            using var client = context.Connect(parse);
            if (maskFile is not null)
            {
                var models = await client.ListModelsAsync(cancellationToken);
                var name = parse.GetValue(model) ?? models.DefaultModel;
                if (models.Models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase)) is { } info)
                    maskFile.ForResolution(info.Resolution);
            }

            var session = await client.CreateFromSeedAsync(parse.GetValue(seed), parse.GetValue(model), parse.GetValue(psi), cancellationToken);
            context.Out.WriteLine($"session {session.Id}");
            var maxSteps = parse.GetValue(steps);
            var start = DragStarts.Create(session.Id, pairs, maskFile?.ForResolution(session.Resolution), maxSteps, parse.GetValue(learningRate), session.Resolution);
            var result = await DragRunner.RunAsync(client, start, maxSteps ?? DragRunner.DefaultMaxSteps, DragProgress.For(context), cancellationToken);
            foreach (var line in DragRunner.Describe(result))
                context.Out.WriteLine(line);
            if (cancellationToken.IsCancellationRequested)
                return ExitCodes.Interrupted;

            await targets.WriteAsync(client, session.Id, context.Out, cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}

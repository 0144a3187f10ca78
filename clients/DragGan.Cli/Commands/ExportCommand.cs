using System.CommandLine;

namespace DragGan.Cli.Commands;

/// <summary><c>draggan export SESSION [--png out.png] [--gif drag.gif] [--mp4 drag.mp4] [--latent w.npy]</c>.</summary>
internal static class ExportCommand
{
    public static Command Create(CommandContext context)
    {
        var session = CommandOptions.Session();
        var png = CommandOptions.Png();
        var gif = CommandOptions.Gif();
        var mp4 = CommandOptions.Mp4();
        var latent = CommandOptions.Latent();
        var command = new Command("export", "Write the session's image, its last drag as a GIF or MP4, and/or its latent.") { session, png, gif, mp4, latent };
        command.Validators.Add(result =>
        {
            if (result.GetValue(png) is null && result.GetValue(gif) is null && result.GetValue(mp4) is null && result.GetValue(latent) is null)
                result.AddError("Name at least one file: --png, --gif, --mp4 or --latent.");
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var targets = new ExportTargets(parse.GetValue(png), parse.GetValue(gif), parse.GetValue(mp4), parse.GetValue(latent));
            targets.Check();
            using var client = context.Connect(parse);
            await targets.WriteAsync(client, parse.GetRequiredValue(session), context.Out, cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}

using System.CommandLine;

namespace DragGan.Cli.Commands;

/// <summary><c>draggan export SESSION [--png out.png] [--gif drag.gif] [--latent w.npy]</c>.</summary>
internal static class ExportCommand
{
    public static Command Create(CommandContext context)
    {
        var session = CommandOptions.Session();
        var png = CommandOptions.Png();
        var gif = CommandOptions.Gif();
        var latent = CommandOptions.Latent();
        var command = new Command("export", "Write the session's image, its last drag as a GIF, and/or its latent.") { session, png, gif, latent };
        command.Validators.Add(result =>
        {
            if (result.GetValue(png) is null && result.GetValue(gif) is null && result.GetValue(latent) is null)
                result.AddError("Name at least one file: --png, --gif or --latent.");
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var targets = new ExportTargets(parse.GetValue(png), parse.GetValue(gif), parse.GetValue(latent));
            targets.Check();
            using var client = context.Connect(parse);
            await targets.WriteAsync(client, parse.GetRequiredValue(session), context.Out, cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}

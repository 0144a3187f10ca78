using System.CommandLine;
using Spectre.Console;

namespace DragGan.Cli.Commands;

/// <summary><c>draggan models</c>: the models the service offers, one per line (name, resolution, default, description).</summary>
internal static class ModelsCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new Command("models", "List the models the service offers.");
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        using var client = context.Connect(parse);
        var models = await client.ListModelsAsync(cancellationToken);
        if (context.Environment.OutputIsTerminal)
        {
            var table = new Table().AddColumns("Model", "Resolution", "w+", "Default", "Description");
            foreach (var model in models.Models)
                table.AddRow(Markup.Escape(model.Name), $"{model.Resolution} px", $"{model.NumWs}x{model.WDim}",
                    model.Name == models.DefaultModel ? "yes" : "", Markup.Escape(model.Description));
            context.Terminal().Write(table);
            return ExitCodes.Success;
        }
        // Tab-separated for scripts: name, resolution, "default" or "-", description.
        foreach (var model in models.Models)
            context.Out.WriteLine($"{model.Name}\t{model.Resolution}\t{(model.Name == models.DefaultModel ? "default" : "-")}\t{model.Description}");
        return ExitCodes.Success;
    }
}

using System.CommandLine;

namespace DragGan.Cli.Commands;

/// <summary><c>draggan new --model M --seed S [--psi P]</c>: a session from a seed; prints its id alone, for scripts.</summary>
internal static class NewCommand
{
    public static Command Create(CommandContext context)
    {
        var model = CommandOptions.Model();
        var seed = CommandOptions.Seed();
        var psi = CommandOptions.Psi();
        var command = new Command("new", "Create a session from a seed and print its id.") { model, seed, psi };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.Connect(parse);
            var session = await client.CreateFromSeedAsync(parse.GetValue(seed), parse.GetValue(model), parse.GetValue(psi), cancellationToken);
            context.Out.WriteLine(session.Id);
            return ExitCodes.Success;
        });
        return command;
    }
}

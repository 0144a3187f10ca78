using System.CommandLine;

namespace DragGan.Training.Detection;

/// <summary><c>draggan-train detector --out DIR [--minutes M]</c>: trains (or continues training) and measures the landmark detector.</summary>
internal static class DetectorCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder for the weights, progress and accuracy report; a run continues from what it holds.", Required = true };
        var minutes = new Option<double>("--minutes") { Description = "Wall-clock time to train.", DefaultValueFactory = _ => 15 };
        var resolution = new Option<int>("--resolution") { Description = "Side of the renders it learns from and is measured on.", DefaultValueFactory = _ => 128 };
        var checkpointMinutes = new Option<double>("--checkpoint-minutes") { Description = "Minutes between checkpoints.", DefaultValueFactory = _ => 5 };
        var command = new Command("detector", "Train the landmark detector on random renders and report its error on held-out ones.") { output, minutes, resolution, checkpointMinutes };
        command.SetAction(parse =>
        {
            new DetectorTrainer(parse.GetRequiredValue(output), Console.Out)
                .Run(TimeSpan.FromMinutes(parse.GetValue(minutes)), parse.GetValue(resolution),
                    checkpointEvery: TimeSpan.FromMinutes(parse.GetValue(checkpointMinutes)));
            return 0;
        });
        return command;
    }
}

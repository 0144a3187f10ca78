using System.CommandLine;
using DragGan.Engine.Random;

namespace DragGan.ModelTool;

/// <summary>Options that the sampling commands (generate, drag) share, declared once.</summary>
internal static class SharedOptions
{
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = $"'{ModelSource.FacesArgument}' for the built-in face model (128x128, the default), '{ModelSource.DemoArgument}' for the built-in untrained demo model (256x256), or a checkpoint path (.pkl or .safetensors).",
        DefaultValueFactory = _ => ModelSource.FacesArgument,
    };

    public static Option<long> Seed() => new("--seed", "-s") { Description = "Latent seed, 0 to 4294967295.", DefaultValueFactory = _ => 0 };

    public static Option<double> Psi() => new("--psi") { Description = "Truncation psi (1 = none).", DefaultValueFactory = _ => 0.7 };

    public static Option<string> Device() => new("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };

    public static void ValidateSeed(long seed)
    {
        if (seed is < 0 or > LegacyNumpyRandom.MaxSeed)
            throw new ToolException(ExitCodes.Usage, $"--seed must be between 0 and {LegacyNumpyRandom.MaxSeed}, got {seed}.");
    }
}

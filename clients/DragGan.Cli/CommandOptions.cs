using System.CommandLine;

namespace DragGan.Cli;

/// <summary>Options and arguments several commands share, declared once.</summary>
internal static class CommandOptions
{
    public const ulong MaxSeed = uint.MaxValue;
    public const uint MaxStepsLimit = 100_000;

    public static Argument<string> Session() => new("SESSION") { Description = "The session's id (as 'draggan new' printed it)." };

    public static Option<string> Model() => new("--model", "-m") { Description = "Model name from 'draggan models'; default: the service's default model." };

    public static Option<ulong> Seed()
    {
        var seed = new Option<ulong>("--seed", "-s") { Description = "Latent seed, 0 to 4294967295.", DefaultValueFactory = _ => 0 };
        seed.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<ulong>() > MaxSeed)
                result.AddError($"--seed must be between 0 and {MaxSeed}.");
        });
        return seed;
    }

    public static Option<double?> Psi() => new("--psi") { Description = "Truncation psi (1 = none); default: the model's (0.7)." };

    public static Option<string[]> Points(bool required = true) => new("--point", "-p")
    {
        Description = "A handle and its target in image pixels, 'x,y:x2,y2'. Repeat for several pairs.",
        Required = required,
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string> Mask() => new("--mask")
    {
        Description = "Fixed region: a PNG at the model's resolution (not resized); white (nonzero) pixels stay, black ones may move.",
    };

    public static Option<uint?> Steps(string description)
    {
        var steps = new Option<uint?>("--steps", "-n") { Description = description };
        steps.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<uint?>() is { } value && (value < 1 || value > MaxStepsLimit))
                result.AddError($"--steps must be between 1 and {MaxStepsLimit}.");
        });
        return steps;
    }

    public static Option<double?> LearningRate() => new("--lr") { Description = "Adam learning rate of the drag, in (0, 1]; default: the model's." };

    public static Option<string> Png() => new("--png") { Description = "Write the current image as PNG here." };

    public static Option<string> Gif() => new("--gif") { Description = "Write the last drag's frames as a looping GIF here." };

    public static Option<string> Mp4() => new("--mp4") { Description = "Write the last drag's frames as an H.264 MP4 here." };

    public static Option<string> Latent() => new("--latent") { Description = "Write the current w+ latent here (.npy; .npz when the name ends so)." };
}

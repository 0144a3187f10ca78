namespace DragGan.SoakTests;

/// <summary>Command line of the soak.</summary>
internal sealed record SoakOptions
{
    /// <summary>How long the hostile tenant and the working tenant run side by side.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>A checkpoint for the inference service; default: the shared fixture checkpoint.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>Build configuration of the services to run (their bin folders).</summary>
    public string Configuration { get; init; } = "Release";

    public string Output { get; init; } = "bench/results/sessions-soak-cpu.json";

    public static SoakOptions Parse(string[] args)
    {
        var options = new SoakOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--seconds" => options with { Duration = TimeSpan.FromSeconds(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)) },
                "--checkpoint" => options with { Checkpoint = value },
                "--configuration" => options with { Configuration = value },
                "--out" => options with { Output = value },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --seconds 90 --checkpoint FILE --configuration Release --out FILE"),
            };
            i++;
        }
        return options;
    }
}

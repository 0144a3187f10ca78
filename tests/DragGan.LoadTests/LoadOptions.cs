namespace DragGan.LoadTests;

/// <summary>Command line of the load test.</summary>
internal sealed record LoadOptions
{
    /// <summary>Concurrent streams of each scenario.</summary>
    public IReadOnlyList<int> Streams { get; init; } = [1, 4, 16];

    /// <summary>How long each scenario streams, after its first frames arrived.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A checkpoint to serve; default: the shared fixture checkpoint.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>Serve random weights of the official architecture at this resolution instead (e.g. 512 on a GPU).</summary>
    public int? RandomResolution { get; init; }

    /// <summary>ModelRegistry:Device of the served model: cpu or cuda.</summary>
    public string Device { get; init; } = "cpu";

    public int MaxBatchSize { get; init; } = 8;

    /// <summary>Whether the scheduler learns its batch size (up to <see cref="MaxBatchSize"/>) or always takes the bound.</summary>
    public bool AdaptiveBatchSize { get; init; } = true;

    public double MaxStepSeconds { get; init; } = 1;

    public string Output { get; init; } = "bench/results/inference-load.json";

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--streams" => options with { Streams = value.Split(',').Select(int.Parse).ToArray() },
                "--seconds" => options with { Duration = TimeSpan.FromSeconds(double.Parse(value)) },
                "--checkpoint" => options with { Checkpoint = value },
                "--random-resolution" => options with { RandomResolution = int.Parse(value) },
                "--device" => options with { Device = value },
                "--batch" => options with { MaxBatchSize = int.Parse(value) },
                "--adaptive" => options with { AdaptiveBatchSize = bool.Parse(value) },
                "--max-step-seconds" => options with { MaxStepSeconds = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
                "--out" => options with { Output = value },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --streams 1,4,16 --seconds 20 --checkpoint FILE --random-resolution 512 --device cuda --batch 8 --adaptive true --max-step-seconds 1 --out FILE"),
            };
            i++;
        }
        return options;
    }
}

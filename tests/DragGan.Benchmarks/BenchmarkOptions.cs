namespace DragGan.Benchmarks;

/// <summary>Command-line options: which suites, where the fixture and the reference numbers are, where to write.</summary>
internal sealed record BenchmarkOptions
{
    public bool RunGenerator { get; init; } = true;
    public bool RunDrag { get; init; } = true;
    public bool RunOps { get; init; }
    public bool RunParity { get; init; }
    public bool Quick { get; init; }
    public string Device { get; init; } = "cpu";
    public string? Fixture { get; init; }

    /// <summary>Leave the fixture checkpoint out (random official-architecture models only).</summary>
    public bool NoFixture { get; init; }
    public string? ReferenceResults { get; init; }
    public string Output { get; init; } = "bench/results/engine-cpu.json";
    public int[] Resolutions { get; init; } = [256, 512, 1024];
    public int[] DragResolutions { get; init; } = [256, 512];
    public int[] Concurrency { get; init; } = [1, 4, 16];
    public int SoakSteps { get; init; }

    /// <summary>The face experiments (drag MD table, inversion quality): a face generator checkpoint and landmark detector weights.</summary>
    public bool RunFaces { get; init; }

    /// <summary>A faces benchmark's JSON to print as the Markdown table bench/README.md shows, measuring nothing.</summary>
    public string? FacesTable { get; init; }

    /// <summary>The synthesis block whose features the faces suite's drags track (default: the engine's, b128 or the last block below it).</summary>
    public int? FacesFeatureBlock { get; init; }
    public string? FacesModel { get; init; }
    public string? Detector { get; init; }
    public FaceBenchmarkOptions Faces { get; init; } = new();
    public int InversionFaces { get; init; } = 8;
    public int InversionSteps { get; init; } = 200;

    /// <summary>The pivotal-tuning suite (<c>--suite pti</c>): inversion of unseen face renders by faces-128.</summary>
    public bool RunPivotalTuning { get; init; }
    public PivotalTuningBenchmarkOptions PivotalTuning { get; init; } = new();

    /// <summary>Drag runs left out, as "RESxEDITS" (e.g. 512x16: minutes per step on a small CPU).</summary>
    public string[] Skip { get; init; } = [];

    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int[] Ints()
            {
                var value = Next();
                return value == "none" ? [] : value.Split(',').Select(int.Parse).ToArray();
            }
            options = args[i] switch
            {
                "--suite" => Next() switch
                {
                    "generator" => options with { RunDrag = false },
                    "drag" => options with { RunGenerator = false },
                    "all" => options,
                    "ops" => options with { RunGenerator = false, RunDrag = false, RunOps = true },
                    "parity" => options with { RunGenerator = false, RunDrag = false, RunParity = true },
                    "faces" => options with { RunGenerator = false, RunDrag = false, RunFaces = true },
                    "pti" => options with { RunGenerator = false, RunDrag = false, RunPivotalTuning = true, Output = "bench/results/pti-cpu.json" },
                    var other => throw new ArgumentException($"Unknown suite '{other}' (generator, drag, ops, parity, faces, pti, all)."),
                },
                "--faces-table" => options with { FacesTable = Next() },
                "--quick" => options with { Quick = true },
                "--device" => options with { Device = Next() },
                "--fixture" => options with { Fixture = Next() },
                "--no-fixture" => options with { NoFixture = true },
                "--reference" => options with { ReferenceResults = Next() },
                "--out" => options with { Output = Next() },
                "--resolutions" => options with { Resolutions = Ints() },
                "--drag-resolutions" => options with { DragResolutions = Ints() },
                "--concurrency" => options with { Concurrency = Ints() },
                "--skip" => options with { Skip = Next().Split(',') },
                "--soak" => options with { SoakSteps = int.Parse(Next()) },
                "--faces-model" => options with { FacesModel = Next() },
                "--detector" => options with { Detector = Next() },
                "--faces-pairs" => options with { Faces = options.Faces with { Pairs = int.Parse(Next()) } },
                "--faces-feature-block" => options with { FacesFeatureBlock = int.Parse(Next()) },
                "--faces-points" => options with { Faces = options.Faces with { PointCounts = Ints() } },
                "--faces-steps" => options with { Faces = options.Faces with { MaxSteps = int.Parse(Next()) } },
                "--faces-psi" => options with { Faces = options.Faces with { Psi = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) } },
                "--faces-lr" => options with { Faces = options.Faces with { LearningRate = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) } },
                "--faces-images" => options with { Faces = options.Faces with { ImageFolder = Next() } },
                "--inversion-faces" => options with { InversionFaces = int.Parse(Next()) },
                "--inversion-steps" => options with { InversionSteps = int.Parse(Next()) },
                "--pti-faces" => options with { PivotalTuning = options.PivotalTuning with { Faces = int.Parse(Next()) } },
                "--pti-projection-steps" => options with { PivotalTuning = options.PivotalTuning with { ProjectionSteps = int.Parse(Next()) } },
                "--pti-steps" => options with { PivotalTuning = options.PivotalTuning with { TuningSteps = int.Parse(Next()) } },
                "--pti-ranks" => options with { PivotalTuning = options.PivotalTuning with { Ranks = Ints() } },
                "--pti-no-full" => options with { PivotalTuning = options.PivotalTuning with { Full = false } },
                "--pti-lr" => options with { PivotalTuning = options.PivotalTuning with { LowRankLearningRates = Next().Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray() } },
                "--pti-locality" => options with { PivotalTuning = options.PivotalTuning with { LocalityWeights = Next().Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray() } },
                "--pti-full-lr" => options with { PivotalTuning = options.PivotalTuning with { FullLearningRates = Next().Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray() } },
                "--pti-photos" => options with { PivotalTuning = options.PivotalTuning with { Photos = Next().Split(';') } },
                "--pti-drag-points" => options with { PivotalTuning = options.PivotalTuning with { DragPoints = Ints() } },
                "--pti-drag-steps" => options with { PivotalTuning = options.PivotalTuning with { DragSteps = int.Parse(Next()) } },
                "--pti-images" => options with { PivotalTuning = options.PivotalTuning with { ImageFolder = Next() } },
                "--pti-early-stop" => options with { PivotalTuning = options.PivotalTuning with { EarlyStopDistance = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) } },
                var unknown => throw new ArgumentException($"Unknown option '{unknown}'."),
            };
        }
        return options;
    }
}

using System.Runtime.InteropServices;
using System.Text.Json;
using DragGan.Benchmarks;
using DragGan.Faces.Detection;
using static TorchSharp.torch;

// Engine benchmarks: generator forward/backward and DragGAN steps/s, printed as a table and written
// as JSON. See bench/README.md for how the numbers in the repository were produced.
var options = BenchmarkOptions.Parse(args);
if (options.FacesTable is { } facesResults)
{
    using var results = JsonDocument.Parse(File.ReadAllText(facesResults));
    Console.Write(DragGan.Faces.Evaluation.FaceDragTable.Markdown(results.RootElement));
    return;
}
var device = options.Device == "cuda" ? CUDA : CPU;
Action synchronize = device.type == DeviceType.CUDA ? () => cuda.synchronize() : () => { };

var fixture = options.NoFixture ? null : options.Fixture ?? FindFixture();
var rows = new List<Dictionary<string, object>>();

if (options.RunGenerator)
{
    var models = options.Resolutions.Select(BenchmarkModel.Random).ToList();
    if (fixture is not null)
        models.Add(BenchmarkModel.Fixture(fixture));
    foreach (var model in models)
        rows.AddRange(Report(GeneratorBenchmark.Run(model, device, options.Quick, synchronize)));
}

if (options.RunDrag)
{
    var models = options.DragResolutions.Select(BenchmarkModel.Random).ToList();
    if (fixture is not null)
        models.Add(BenchmarkModel.Fixture(fixture));
    foreach (var model in models)
        rows.AddRange(Report(DragBenchmark.Run(model, device, options.Concurrency, options.Skip, options.Quick, synchronize)));
}

if (options.RunParity)
    rows.AddRange(Report(ParityCheck.Run(fixture ?? throw new InvalidOperationException("The parity suite needs the fixture (--fixture FILE)."), device)));

if (options.RunOps)
    rows.AddRange(Report(OpProfile.Run(options.Concurrency, options.Quick, synchronize)));

if (options.SoakSteps > 0 && fixture is not null)
    rows.AddRange(Report(SoakBenchmark.Run(BenchmarkModel.Fixture(fixture), options.SoakSteps)));

if (options.RunFaces)
{
    if (options.FacesModel is null || options.Detector is null)
        throw new ArgumentException("--suite faces needs --faces-model (a face generator checkpoint) and --detector (landmark detector weights).");
    using var faces = BenchmarkModel.File("faces", options.FacesModel).Create(device);
    if (options.FacesFeatureBlock is { } block)
        faces.UseDragFeatureBlock(block);
    using var weights = File.OpenRead(options.Detector);
    using var detector = LandmarkDetector.Load(weights);
    rows.AddRange(Report(FaceDragBenchmark.Run(faces, detector, options.Faces)));
    if (options.InversionFaces > 0)
        rows.AddRange(Report(FaceInversionBenchmark.Run(faces, detector, options.InversionFaces, options.InversionSteps)));
}

if (options.RunPivotalTuning)
    rows.AddRange(Report(PivotalTuningBenchmark.Run(options.PivotalTuning, device)));

if (options.ReferenceResults is not null && fixture is not null)
    rows.AddRange(Report(ReferenceComparison.Run(fixture, options.ReferenceResults, options.Quick ? 1 : 3)));

var document = new Dictionary<string, object?>
{
    ["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
    ["machine"] = new Dictionary<string, object>
    {
        ["device"] = device.type.ToString(),
        ["cpu"] = CpuModel(),
        ["cores"] = Environment.ProcessorCount,
        ["torch_threads"] = get_num_threads(),
        ["os"] = RuntimeInformation.OSDescription,
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown",
    },
    ["command"] = "dotnet run -c Release --project tests/DragGan.Benchmarks -- " + string.Join(' ', args),
    ["results"] = rows,
};
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Output))!);
File.WriteAllText(options.Output, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"Wrote {options.Output}");

IEnumerable<Dictionary<string, object>> Report(IEnumerable<Dictionary<string, object>> results)
{
    foreach (var row in results)
    {
        Console.WriteLine(string.Join("  ", row.Select(kv => $"{kv.Key}={(kv.Value is double[] values ? string.Join(',', values) : kv.Value)}")));
        // Each row goes to the log as soon as it is measured, so a long run that is stopped keeps what it has.
        File.AppendAllText(options.Output + ".log", JsonSerializer.Serialize(row) + Environment.NewLine);
        yield return row;
    }
}

static string? FindFixture()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "..", "shared", "fixtures", "stylegan2-tiny-256", "stylegan2-tiny-256.pkl");
        if (File.Exists(Path.Combine(dir.FullName, "DragGan.sln")))
            return File.Exists(candidate) ? Path.GetFullPath(candidate) : null;
    }
    return null;
}

static string CpuModel()
{
    const string path = "/proc/cpuinfo";
    var line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
    return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
}

using System.Runtime.InteropServices;
using System.Text.Json;
using DragGan.Inference;
using DragGan.Inference.Streaming;
using DragGan.LoadTests;
using DragGan.Protos.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using InferenceClient = DragGan.Protos.V1.Inference.InferenceClient;

// Load test of the inference service: one real server (the service's own host, Kestrel on a
// loopback port) and many concurrent Drag streams over real gRPC. Prints a row per scenario and
// writes JSON; see bench/README.md.
var options = LoadOptions.Parse(args);
var checkpoint = options.RandomResolution is { } resolution
    ? WriteRandomCheckpoint(resolution)
    : options.Checkpoint ?? FindFixture() ?? throw new InvalidOperationException("No --checkpoint given and ../shared fixture not found.");
const string model = "load";

var app = InferenceHost.CreateApplication(["--urls", "http://127.0.0.1:0"], builder =>
    builder.Configuration.AddInMemoryCollection(
    [
        new("Serilog:MinimumLevel:Default", "Warning"),
        new($"ModelRegistry:Models:{model}:Path", Path.GetFullPath(checkpoint)),
        new("ModelRegistry:Device", options.Device),
        new("Inference:MaxActiveStreams", options.Streams.Max().ToString()),
        new("Inference:MaxBatchSize", options.MaxBatchSize.ToString()),
        new("Inference:AdaptiveBatchSize", options.AdaptiveBatchSize.ToString()),
        new("Inference:MaxStepSeconds", options.MaxStepSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Inference:MetricsPort", "0"),
    ]));
await app.StartAsync();
using var channel = GrpcChannel.ForAddress(app.Urls.Single());
var client = new InferenceClient(channel);
var latent = (await client.GenerateAsync(new GenerateRequest { Model = model, Seed = new SeedSource { Seed = 42 } })).Latent;

var rows = new List<Dictionary<string, object>>();
using var chosenBatchSize = new ChosenBatchSizeProbe(model);
foreach (var streams in options.Streams)
{
    var row = await LoadScenario.RunAsync(client, model, latent, streams, options.Duration);
    row["batch_size_chosen_at_end"] = chosenBatchSize.Read() is { } chosen ? (object)chosen : "none";
    // The server releases a stream's slot a moment after the client cancels it.
    var admission = app.Services.GetRequiredService<StreamAdmission>();
    while (admission.Active > 0)
        await Task.Delay(50);
    row["max_batch_size"] = options.MaxBatchSize;
    row["adaptive_batch_size"] = options.AdaptiveBatchSize;
    Console.WriteLine(string.Join("  ", row.Select(kv => $"{kv.Key}={(kv.Value is string[] a ? string.Join("|", a) : kv.Value)}")));
    rows.Add(row);
}
await app.StopAsync();
await app.DisposeAsync();

var document = new Dictionary<string, object?>
{
    ["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
    ["machine"] = new Dictionary<string, object>
    {
        ["cores"] = Environment.ProcessorCount,
        ["os"] = RuntimeInformation.OSDescription,
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["checkpoint"] = Path.GetFileName(checkpoint),
        ["device"] = options.Device,
    },
    ["command"] = "dotnet run -c Release --project tests/DragGan.LoadTests -- " + string.Join(' ', args),
    ["results"] = rows,
};
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Output))!);
File.WriteAllText(options.Output, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"Wrote {options.Output}");
return rows.Any(r => (int)r["errors"] > 0) ? 1 : 0;

// Random official-architecture weights (channel_base 32768), written once in the native format.
static string WriteRandomCheckpoint(int resolution)
{
    var path = Path.Combine(Path.GetTempPath(), $"draggan-load-random-{resolution}.safetensors");
    if (!File.Exists(path))
    {
        using var random = DragGan.Engine.Checkpoints.RandomCheckpoint.Create(
            new DragGan.Engine.Networks.GeneratorConfig { ImgResolution = resolution, ChannelBase = 32768, ChannelMax = 512 }, seed: 1);
        DragGan.Engine.Checkpoints.NativeCheckpointFormat.Write(random, path);
    }
    return path;
}

static string? FindFixture()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "DragGan.sln")))
        {
            var candidate = Path.Combine(dir.FullName, "..", "shared", "fixtures", "stylegan2-tiny-256", "stylegan2-tiny-256.pkl");
            return File.Exists(candidate) ? Path.GetFullPath(candidate) : null;
        }
    }
    return null;
}

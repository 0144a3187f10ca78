using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DragGan.SoakTests;
using DragGan.Testing;
using Grpc.Net.Client;
using StackExchange.Redis;

// Soak of the session service with Redis: redis-server, the inference service and the session
// service each run as a process on loopback. A working tenant edits steadily while a hostile tenant
// takes all it can; the soak records Redis's and each service's memory, the working tenant's
// latencies and errors, and then checks that every session either tenant kept is still usable.
// Exits non-zero when the working tenant saw an error or a session is unusable. See bench/README.md.
var options = SoakOptions.Parse(args);
var root = FindRepositoryRoot();
var checkpoint = options.Checkpoint ?? Path.Combine(root, "..", "shared", "fixtures", "stylegan2-tiny-256", "stylegan2-tiny-256.pkl");
if (!File.Exists(checkpoint))
    throw new FileNotFoundException("No checkpoint: pass --checkpoint or put the shared fixtures beside the repository.", checkpoint);

const string WorkingKey = "soak-working-tenant-key-0123456789";
const string HostileKey = "soak-hostile-tenant-key-9876543210";
var redisPort = FreePort.Next();
var inferencePort = FreePort.Next();
var grpcPort = FreePort.Next();
var webPort = FreePort.Next();
var quiet = new Dictionary<string, string> { ["Serilog__MinimumLevel__Default"] = "Warning", ["DOTNET_ENVIRONMENT"] = "Production" };

await using var redis = await ServiceProcess.StartAsync("redis", "redis-server",
    ["--port", redisPort.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    new Dictionary<string, string>(), redisPort, TimeSpan.FromSeconds(10));
await using var inference = await ServiceProcess.StartAsync("inference", "dotnet",
    [ServiceAssembly("DragGan.Inference"), "--urls", $"http://127.0.0.1:{inferencePort}"],
    new Dictionary<string, string>(quiet)
    {
        ["ModelRegistry__Models__fixture__Path"] = Path.GetFullPath(checkpoint),
        ["ModelRegistry__DefaultModel"] = "fixture",
        ["Inference__MetricsPort"] = "0",
    }, inferencePort, TimeSpan.FromSeconds(60));
await using var sessions = await ServiceProcess.StartAsync("sessions", "dotnet",
    [ServiceAssembly("DragGan.Sessions")],
    new Dictionary<string, string>(quiet)
    {
        ["Sessions__Store"] = "Redis",
        ["ConnectionStrings__Redis"] = $"127.0.0.1:{redisPort}",
        ["Sessions__InferenceAddress"] = $"http://127.0.0.1:{inferencePort}",
        ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpcPort}",
        ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
        ["Kestrel__Endpoints__Web__Url"] = $"http://127.0.0.1:{webPort}",
        ["Kestrel__Endpoints__Web__Protocols"] = "Http1",
        ["Sessions__ApiKeys__0__Tenant"] = "working",
        ["Sessions__ApiKeys__0__KeyHash"] = Sha256Hex(WorkingKey),
        ["Sessions__ApiKeys__1__Tenant"] = "hostile",
        ["Sessions__ApiKeys__1__KeyHash"] = Sha256Hex(HostileKey),
    }, grpcPort, TimeSpan.FromSeconds(60));

using var redisClient = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort},allowAdmin=true,asyncTimeout=20000,syncTimeout=20000");
using var workingChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
using var hostileChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
var working = new Tenant("working", WorkingKey, workingChannel);
var hostile = new Tenant("hostile", HostileKey, hostileChannel);
var sampler = new ResourceSampler(redisClient, [inference, sessions]);

// Warm-up outside the measurement: the session service's first health check of the replica, the
// model's first load and forward.
var warmupDeadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
while (true)
{
    var warmup = new Latencies();
    await WorkingTenant.RoundAsync(working, 1, warmup, CancellationToken.None);
    if (warmup.ErrorCount == 0)
        break;
    if (DateTime.UtcNow > warmupDeadline)
        throw new InvalidOperationException("The warm-up round failed: " + string.Join("; ", warmup.ErrorSamples));
    await Task.Delay(500);
}
await sampler.SampleAsync();
var before = sampler.Summary();

Console.WriteLine($"Soak: {options.Duration.TotalSeconds} s, working and hostile tenants side by side.");
var workingLatencies = new Latencies();
var hostileOutcomes = new Latencies();
var hostileTenant = new HostileTenant(hostile, hostileOutcomes);
using var stop = new CancellationTokenSource(options.Duration);
using var stopSampling = new CancellationTokenSource();
var sampling = sampler.RunAsync(stopSampling.Token);
var workingRounds = WorkingTenant.RunAsync(working, workingLatencies, stop.Token);
await Task.WhenAll(workingRounds, hostileTenant.RunAsync(stop.Token));

// The hostile tenant's paused drags that were kept open are now dropped, as a closed tab's.
hostileTenant.AbandonHeldDrags();
using var checkLimit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
var (checkedWorking, workingFailures) = await UsabilityCheck.RunAsync(working, checkLimit.Token);
var (checkedHostile, hostileFailures) = await UsabilityCheck.RunAsync(hostile, checkLimit.Token);
await stopSampling.CancelAsync();
await sampling;
await sampler.SampleAsync();

var result = new Dictionary<string, object?>
{
    ["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
    ["machine"] = new Dictionary<string, object>
    {
        ["cores"] = Environment.ProcessorCount,
        ["os"] = RuntimeInformation.OSDescription,
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["checkpoint"] = Path.GetFileName(checkpoint),
    },
    ["command"] = "dotnet run -c Release --project tests/DragGan.SoakTests -- " + string.Join(' ', args),
    ["seconds"] = options.Duration.TotalSeconds,
    ["memory_before"] = before,
    ["memory"] = sampler.Summary(),
    ["working_tenant"] = new Dictionary<string, object>
    {
        ["rounds_completed"] = workingRounds.Result,
        ["latencies"] = workingLatencies.Summary(),
        ["errors"] = workingLatencies.ErrorCount,
        ["errors_by_kind"] = workingLatencies.ErrorsByKind,
        ["error_samples"] = workingLatencies.ErrorSamples,
    },
    ["hostile_tenant"] = new Dictionary<string, object>
    {
        ["completed"] = hostileOutcomes.Summary().ToDictionary(kv => kv.Key, kv => ((Dictionary<string, object>)kv.Value)["count"]),
        ["refused_by_kind"] = hostileOutcomes.ErrorsByKind,
    },
    ["sessions_checked"] = checkedWorking + checkedHostile,
    ["unusable_sessions"] = workingFailures.Concat(hostileFailures).ToArray(),
    ["services_alive"] = !inference.HasExited && !sessions.HasExited && !redis.HasExited,
};
var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
Console.WriteLine(json);
var output = Path.Combine(root, options.Output);
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await File.WriteAllTextAsync(output, json);
Console.WriteLine($"Wrote {output}");

// A deleted session's drag must end: one still stepping holds capacity nobody can reach any more.
var strandedDrags = hostileOutcomes.ErrorsByKind.Where(kv => kv.Key.StartsWith("deleted_drag_still_running", StringComparison.Ordinal)).Sum(kv => kv.Value);
var failed = workingLatencies.ErrorCount > 0 || workingRounds.Result == 0 || strandedDrags > 0
    || workingFailures.Count + hostileFailures.Count > 0 || !(bool)result["services_alive"]!;
Console.WriteLine(failed
    ? "SOAK FAILED: the working tenant saw errors or completed no round, a deleted session's drag ran on, a session is unusable, or a service died."
    : "Soak passed.");
return failed ? 1 : 0;

string ServiceAssembly(string project)
{
    var path = Path.Combine(root, "services", project, "bin", options.Configuration, "net10.0", project + ".dll");
    return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first (dotnet build -c {options.Configuration}).", path);
}

static string Sha256Hex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "DragGan.sln")))
            return dir.FullName;
    }
    throw new InvalidOperationException("Run the soak from inside the repository (DragGan.sln not found above it).");
}

using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DragGan.SoakTests;
using DragGan.Testing;
using Grpc.Net.Client;
using StackExchange.Redis;

// Soak of the session service in its deployed shape: redis-server as the chart runs it (password on
// its standard input, maxmemory with noeviction, scaled down, and the service's quotas and headroom
// in the chart's proportions to it), the inference service, and two session-service replicas over
// that Redis, each a process on loopback. The working tenant first runs alone, for its baseline drag
// step rate, then side by side with a hostile tenant on both replicas. The soak records Redis's and
// each service's memory, the working tenant's latencies, errors and step rate, every attack's
// counts, and then checks that every session either tenant kept is usable and every one deleted is
// gone. Exits non-zero, naming the reasons, when a pass criterion fails. See bench/README.md.
var options = SoakOptions.Parse(args);
var root = FindRepositoryRoot();
var checkpoint = options.Checkpoint ?? Path.Combine(root, "..", "shared", "fixtures", "stylegan2-tiny-256", "stylegan2-tiny-256.pkl");
if (!File.Exists(checkpoint))
    throw new FileNotFoundException("No checkpoint: pass --checkpoint or put the shared fixtures beside the repository.", checkpoint);

const string WorkingKey = "soak-working-tenant-key-0123456789";
const string HostileKey = "soak-hostile-tenant-key-9876543210";
const int SessionReplicas = 2;
var limits = DeployedStoreLimits.ScaledTo(options.RedisMaxMemory, options.SessionsPerTenant);
var redisPassword = RedisServer.NewPassword();
var redisPort = FreePort.Next();
var inferencePort = FreePort.Next();
var inferenceMetricsPort = FreePort.Next();
var quiet = new Dictionary<string, string> { ["Serilog__MinimumLevel__Default"] = "Warning", ["DOTNET_ENVIRONMENT"] = "Production" };
var redisData = Directory.CreateTempSubdirectory("draggan-soak-redis-");

try
{
    await using var redis = await RedisServer.StartAsync(redisPort, redisPassword, options.RedisMaxMemory, redisData.FullName);
    await using var inference = await ServiceProcess.StartAsync("inference", "dotnet",
        [ServiceAssembly("DragGan.Inference"), "--urls", $"http://127.0.0.1:{inferencePort}"],
        new Dictionary<string, string>(quiet)
        {
            ["ModelRegistry__Models__fixture__Path"] = Path.GetFullPath(checkpoint),
            ["ModelRegistry__DefaultModel"] = "fixture",
            ["Inference__MetricsPort"] = inferenceMetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, inferencePort, TimeSpan.FromSeconds(60));
    await using var replicaA = await StartSessionsAsync(0);
    await using var replicaB = await StartSessionsAsync(1);
    ServiceProcess[] replicas = [replicaA, replicaB];

    var refusesWithoutPassword = await RefusesWithoutPasswordAsync(redisPort);
    using var redisClient = await ConnectionMultiplexer.ConnectAsync(
        $"127.0.0.1:{redisPort},password={redisPassword},allowAdmin=true,asyncTimeout=20000,syncTimeout=20000");
    var redisServer = redisClient.GetServers()[0];
    var redisConfig = (await redisServer.ConfigGetAsync("maxmemory*")).ToDictionary(kv => kv.Key, kv => kv.Value);

    // Clients take what the service sends: a 2048 px raw frame is 12 MiB, past the client's default 4 MiB.
    var channelOptions = new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20 };
    GrpcChannel[] workingChannels = [.. replicas.Select(r => GrpcChannel.ForAddress($"http://127.0.0.1:{r.Port}", channelOptions))];
    GrpcChannel[] hostileChannels = [.. replicas.Select(r => GrpcChannel.ForAddress($"http://127.0.0.1:{r.Port}", channelOptions))];
    var working = new Tenant("working", WorkingKey, workingChannels);
    var hostile = new Tenant("hostile", HostileKey, hostileChannels);
    var sampler = new ResourceSampler(redisClient, [inference, replicaA, replicaB]);

    // Warm-up outside the measurement: each replica's first health check of the inference service,
    // the model's first load and forward (a round's calls alternate between the replicas).
    var warmupDeadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
    for (var warm = 0; warm < SessionReplicas;)
    {
        var warmup = new Latencies();
        await WorkingTenant.RoundAsync(working, (ulong)(1 + warm), warmup, new StepRate(), CancellationToken.None);
        if (warmup.ErrorCount == 0)
        {
            warm++;
            continue;
        }
        if (DateTime.UtcNow > warmupDeadline)
            throw new InvalidOperationException("The warm-up round failed: " + string.Join("; ", warmup.ErrorSamples));
        await Task.Delay(500);
    }
    await sampler.SampleAsync();
    var before = sampler.Summary();
    using var stopSampling = new CancellationTokenSource();
    var sampling = sampler.RunAsync(stopSampling.Token);

    Console.WriteLine($"Baseline: the working tenant alone for {options.BaselineDuration.TotalSeconds} s.");
    var baselineLatencies = new Latencies();
    var baselineRate = new StepRate();
    ServiceProcess[] measured = [inference, replicaA, replicaB, redis];
    var modelSeconds = new ModelSeconds(inferenceMetricsPort);
    var modelSecondsBeforeBaseline = await modelSeconds.ReadAsync();
    var cpuBeforeBaseline = CpuTime.Read(measured);
    using var baselineStop = new CancellationTokenSource(options.BaselineDuration);
    var baselineRounds = await WorkingTenant.RunAsync(working, baselineLatencies, baselineRate, baselineStop.Token, firstSeed: 1_000);
    var memoryAlone = sampler.Summary();
    var cpuBeforeAttack = CpuTime.Read(measured);
    var modelSecondsBeforeAttack = await modelSeconds.ReadAsync();

    Console.WriteLine($"Attack: working and hostile tenants side by side for {options.Duration.TotalSeconds} s.");
    var attackLatencies = new Latencies();
    var attackRate = new StepRate();
    var attacks = new Counters();
    var hostileTenant = new HostileTenant(hostile, attacks, options.Attacks);
    using var stop = new CancellationTokenSource(options.Duration);
    var attackRounds = WorkingTenant.RunAsync(working, attackLatencies, attackRate, stop.Token, firstSeed: 100_000);
    await Task.WhenAll(attackRounds, hostileTenant.RunAsync(stop.Token));

    var cpuAfterAttack = CpuTime.Read(measured);
    var modelSecondsAfterAttack = await modelSeconds.ReadAsync();

    // The hostile tenant's paused drag that was kept open is now dropped, as a closed tab's.
    hostileTenant.AbandonHeldDrags();
    Console.WriteLine("Checking every session kept and every session deleted.");
    using var checkLimit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
    var (checkedWorking, workingFailures) = await UsabilityCheck.LiveAsync(working, checkLimit.Token);
    var (checkedHostile, hostileFailures) = await UsabilityCheck.LiveAsync(hostile, checkLimit.Token);
    var (checkedDeleted, deletedFailures) = await UsabilityCheck.DeletedAsync(hostile, checkLimit.Token);
    await stopSampling.CancelAsync();
    await sampling;
    await sampler.SampleAsync();

    var maxMemoryMiB = limits.MaxMemoryBytes / (double)(1 << 20);
    var redisPeakMiB = sampler.Peak("redis_used_memory_peak_mib");
    var ratio = baselineRate.StepsPerSecond > 0 ? attackRate.StepsPerSecond / baselineRate.StepsPerSecond : 0;
    var servicesAlive = !inference.HasExited && replicas.All(r => !r.HasExited) && !redis.HasExited;
    var counts = attacks.ByGroup();

    var failures = new List<string>();
    if (baselineLatencies.ErrorCount + attackLatencies.ErrorCount > 0)
        failures.Add($"the working tenant saw {baselineLatencies.ErrorCount} errors alone and {attackLatencies.ErrorCount} under attack");
    if (baselineRounds == 0 || attackRounds.Result == 0)
        failures.Add($"the working tenant completed {baselineRounds} rounds alone and {attackRounds.Result} under attack");
    if (ratio < options.MinStepRateRatio)
        failures.Add($"the working tenant's drag step rate under attack is {ratio:0.###}x its rate alone, below {options.MinStepRateRatio}x");
    if (redisPeakMiB >= maxMemoryMiB)
        failures.Add($"Redis's used memory reached {redisPeakMiB:0.#} MiB, its maxmemory {maxMemoryMiB:0.#} MiB");
    if (!refusesWithoutPassword)
        failures.Add("Redis answered a client without its password");
    if (workingFailures.Count + hostileFailures.Count > 0)
        failures.Add($"{workingFailures.Count + hostileFailures.Count} sessions are unusable");
    var stranded = attacks.Get("delete_mid_drag", "deleted_drag_still_running");
    if (stranded > 0 || deletedFailures.Count > 0)
        failures.Add($"{stranded} deleted sessions' drags ran on past 10 s, {deletedFailures.Count} deleted sessions are still there");
    if (!servicesAlive)
        failures.Add("a service died");
    failures.AddRange(AttacksThatDidNotRun(attacks, options.Attacks));

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
        ["deployment"] = new Dictionary<string, object>
        {
            ["session_replicas"] = SessionReplicas,
            ["redis_password_on_stdin"] = true,
            ["redis_refuses_clients_without_password"] = refusesWithoutPassword,
            ["redis_config"] = redisConfig,
            ["sessions_settings"] = limits.Environment(),
        },
        ["baseline_seconds"] = options.BaselineDuration.TotalSeconds,
        ["attack_seconds"] = options.Duration.TotalSeconds,
        ["attacks"] = options.Attacks.Order().ToArray(),
        ["drag_step_rate"] = new Dictionary<string, object>
        {
            ["alone"] = baselineRate.Summary(),
            ["under_attack"] = attackRate.Summary(),
            ["ratio"] = Math.Round(ratio, 3),
        },
        ["redis_memory"] = new Dictionary<string, object>
        {
            ["used_memory_peak_mib"] = Math.Round(redisPeakMiB, 1),
            ["maxmemory_mib"] = Math.Round(maxMemoryMiB, 1),
        },
        ["cpu_seconds"] = new Dictionary<string, object>
        {
            ["alone"] = CpuTime.Between(cpuBeforeBaseline, cpuBeforeAttack),
            ["under_attack"] = CpuTime.Between(cpuBeforeAttack, cpuAfterAttack),
        },
        ["model_seconds_by_tenant"] = new Dictionary<string, object>
        {
            ["alone"] = ModelSeconds.Between(modelSecondsBeforeBaseline, modelSecondsBeforeAttack),
            ["under_attack"] = ModelSeconds.Between(modelSecondsBeforeAttack, modelSecondsAfterAttack),
        },
        ["memory_before"] = before,
        ["memory_after_baseline"] = memoryAlone,
        ["memory"] = sampler.Summary(),
        ["working_tenant_alone"] = WorkingReport(baselineRounds, baselineLatencies),
        ["working_tenant_under_attack"] = WorkingReport(attackRounds.Result, attackLatencies),
        ["hostile_tenant"] = counts,
        ["hostile_refusal_examples"] = attacks.Examples(),
        ["sessions_checked"] = checkedWorking + checkedHostile,
        ["unusable_sessions"] = workingFailures.Concat(hostileFailures).ToArray(),
        ["deleted_sessions_checked"] = checkedDeleted,
        ["deleted_sessions_still_there"] = deletedFailures.ToArray(),
        ["services_alive"] = servicesAlive,
        ["passed"] = failures.Count == 0,
        ["failures"] = failures.ToArray(),
    };
    var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
    Console.WriteLine(json);
    var output = Path.Combine(root, options.Output);
    Directory.CreateDirectory(Path.GetDirectoryName(output)!);
    await File.WriteAllTextAsync(output, json);
    Console.WriteLine($"Wrote {output}");
    if (!servicesAlive)
    {
        foreach (var service in new[] { redis, inference, replicaA, replicaB }.Where(s => s.HasExited))
            Console.WriteLine($"{service.Name} exited; its last output:{Environment.NewLine}{service.RecentOutput()}");
    }
    Console.WriteLine(failures.Count == 0 ? "Soak passed." : "SOAK FAILED: " + string.Join("; ", failures) + ".");
    return failures.Count == 0 ? 0 : 1;
}
finally
{
    redisData.Delete(recursive: true);
}

Task<ServiceProcess> StartSessionsAsync(int index)
{
    var grpcPort = FreePort.Next();
    return ServiceProcess.StartAsync($"sessions_{(char)('a' + index)}", "dotnet",
        [ServiceAssembly("DragGan.Sessions")],
        new Dictionary<string, string>(quiet.Concat(limits.Environment()))
        {
            ["Sessions__Store"] = "Redis",
            // As the chart's Deployment writes it: the password from the Secret into the connection string.
            ["ConnectionStrings__Redis"] = $"127.0.0.1:{redisPort},password={redisPassword}",
            ["Sessions__InferenceAddress"] = $"http://127.0.0.1:{inferencePort}",
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            ["Kestrel__Endpoints__Web__Url"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Kestrel__Endpoints__Web__Protocols"] = "Http1",
            ["Sessions__ApiKeys__0__Tenant"] = "working",
            ["Sessions__ApiKeys__0__KeyHash"] = Sha256Hex(WorkingKey),
            ["Sessions__ApiKeys__1__Tenant"] = "hostile",
            ["Sessions__ApiKeys__1__KeyHash"] = Sha256Hex(HostileKey),
        }, grpcPort, TimeSpan.FromSeconds(60));
}

string ServiceAssembly(string project)
{
    var path = Path.Combine(root, "services", project, "bin", options.Configuration, "net10.0", project + ".dll");
    return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first (dotnet build -c {options.Configuration}).", path);
}

static Dictionary<string, object> WorkingReport(int rounds, Latencies latencies) => new()
{
    ["rounds_completed"] = rounds,
    ["latencies"] = latencies.Summary(),
    ["errors"] = latencies.ErrorCount,
    ["errors_by_kind"] = latencies.ErrorsByKind,
    ["error_samples"] = latencies.ErrorSamples,
};

// Each attack the soak is about must have done its work at least once, or the soak shows nothing.
static IEnumerable<string> AttacksThatDidNotRun(Counters attacks, IReadOnlySet<string> enabled)
{
    if (enabled.Count < HostileTenant.Attacks.Length)
        yield return "not every attack ran (--attacks)";
    if (enabled.Contains("large_frames") && (attacks.Get("large_frames", "largest_frames_received") == 0 || attacks.Get("large_frames", "drags_of_2048px_frames_refused") == 0))
        yield return "the large-frame attack received none of the largest frames allowed, or asked for 2048 px frames without a refusal";
    if (enabled.Contains("export") && (attacks.Sum("export", "mp4_1024px") == 0 || attacks.Sum("export", "mp4_hold_60s_at_20ms refused") == 0))
        yield return "the export attack exported no MP4 or had none refused at MaxFrames";
    if (enabled.Contains("quota") && attacks.Sum("quota", "refused ResourceExhausted: Sessions:TenantQuota") + attacks.Sum("quota", "refused ResourceExhausted: Sessions:StoreBudget") == 0)
        yield return "the quota attack met no quota";
    if (enabled.Contains("relay") && (attacks.Get("relay", "frames_relayed_to_watcher") == 0 || attacks.Get("relay", "updates_relayed") == 0 || attacks.Get("relay", "take_overs") == 0))
        yield return "the relay attack relayed no frame, command or take-over";
}

static async Task<bool> RefusesWithoutPasswordAsync(int port)
{
    using var client = new TcpClient();
    await client.ConnectAsync("127.0.0.1", port);
    var stream = client.GetStream();
    await stream.WriteAsync("PING\r\n"u8.ToArray());
    var buffer = new byte[256];
    var read = await stream.ReadAsync(buffer);
    return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("-NOAUTH", StringComparison.Ordinal);
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

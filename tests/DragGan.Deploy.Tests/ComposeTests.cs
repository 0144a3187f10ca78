using System.Text.Json.Nodes;
using DragGan.Deploy.Tests.Support;

namespace DragGan.Deploy.Tests;

/// <summary>deploy/compose: the one-machine setup (CPU) and its GPU file.</summary>
public class ComposeTests
{
    private static JsonNode Compose => YamlJson.ParseFile("deploy", "compose", "compose.yaml")!;
    private static JsonNode ComposeGpu => YamlJson.ParseFile("deploy", "compose", "compose.gpu.yaml")!;

    private static int Seconds(string duration) =>
        duration.EndsWith("ms") ? 0 : duration.EndsWith('s') ? int.Parse(duration[..^1])
        : duration.EndsWith('m') ? 60 * int.Parse(duration[..^1]) : throw new FormatException(duration);

    [Fact]
    public void RunsTheThreeServices_OnPinnedImages()
    {
        var services = Compose["services"]!.AsObject();
        Assert.Equal(["inference", "redis", "sessions"], services.Select(s => s.Key).Order().ToArray());
        foreach (var (name, service) in services)
        {
            var image = (string)service!["image"]!;
            Assert.Matches(@":[0-9][0-9A-Za-z.-]*$", image);
            if (service["build"] is { } build)
            {
                Assert.Equal("../..", (string)build["context"]!);
                Assert.True(File.Exists(Repo.Path((string)build["dockerfile"]!)), $"{name}: no {build["dockerfile"]}.");
            }
        }
    }

    [Fact]
    public void CpuIsTheDefault_AndTheGpuFileSwitchesTheBuildAndReservesAGpu()
    {
        var inference = Compose["services"]!["inference"]!;
        Assert.Equal("cpu", (string)inference["build"]!["args"]!["TORCH_BACKEND"]!);
        Assert.Equal("ubuntu:24.04", (string)inference["build"]!["args"]!["RUNTIME_IMAGE"]!);
        Assert.EndsWith("-cpu", (string)inference["image"]!);
        Assert.Null(inference["deploy"]);

        var gpu = ComposeGpu["services"]!["inference"]!;
        Assert.Equal("cuda", (string)gpu["build"]!["args"]!["TORCH_BACKEND"]!);
        // The same CUDA runtime as the Dockerfile's default.
        var dockerfile = Dockerfile.Load("deploy", "docker", "inference.Dockerfile");
        Assert.Equal(dockerfile.GlobalArgs["RUNTIME_IMAGE"], (string)gpu["build"]!["args"]!["RUNTIME_IMAGE"]!);
        Assert.EndsWith("-cuda", (string)gpu["image"]!);
        Assert.Equal("cuda", (string)gpu["environment"]!["ModelRegistry__Device"]!);
        var device = gpu["deploy"]!["resources"]!["reservations"]!["devices"]!.AsArray().Single()!;
        Assert.Equal("nvidia", (string)device["driver"]!);
        Assert.Equal(1, (int)device["count"]!);
        Assert.Contains("gpu", device["capabilities"]!.AsArray().Select(c => (string)c!));
        // The GPU file adds to compose.yaml's services, never new ones.
        Assert.Equal(["inference"], ComposeGpu["services"]!.AsObject().Select(s => s.Key).ToArray());
    }

    [Fact]
    public void SessionService_WaitsForHealthyDependencies_AndFindsThem()
    {
        var services = Compose["services"]!;
        var sessions = services["sessions"]!;
        Assert.Equal("service_healthy", (string)sessions["depends_on"]!["redis"]!["condition"]!);
        Assert.Equal("service_healthy", (string)sessions["depends_on"]!["inference"]!["condition"]!);
        Assert.NotNull(services["redis"]!["healthcheck"]);
        var env = sessions["environment"]!;
        Assert.Equal("redis", (string)env["Sessions__Store"]!);
        Assert.StartsWith("redis:6379,password=${DRAGGAN_REDIS_PASSWORD:?", (string)env["ConnectionStrings__Redis"]!);
        Assert.Equal("dns:///inference:50051", (string)env["Sessions__InferenceAddress"]!);
        Assert.StartsWith("${DRAGGAN_API_KEY_SHA256:?", (string)env["Sessions__ApiKeys__0__KeyHash"]!);
    }

    [Fact]
    public void Redis_AsksForThePassword_RunsProtected_AndRefusesWritesAtItsMemoryLimit()
    {
        var redis = Compose["services"]!["redis"]!;
        var command = redis["command"]!.AsArray().Select(a => (string)a!).ToList();
        // Handed over on standard input (compose writes $$ for the shell's $), so that neither the
        // process's arguments nor the container's command hold it.
        var shell = command.Select(a => a.Replace("$$", "$")).ToList();
        RedisLaunch.AssertPasswordOutOfArguments("compose.yaml", shell, "$REDIS_PASSWORD");
        RedisLaunch.AssertStartsWithThePassword(shell, shell[2]);
        string After(string flag) => command[command.IndexOf(flag) + 1];
        Assert.Equal("yes", After("--protected-mode"));
        Assert.Equal("noeviction", After("--maxmemory-policy"));
        Assert.Matches("^[0-9]+mb$", After("--maxmemory"));
        // The same required variable everywhere: compose refuses to start without it.
        Assert.StartsWith("${DRAGGAN_REDIS_PASSWORD:?", (string)redis["environment"]!["REDIS_PASSWORD"]!);
        Assert.Equal((string)redis["environment"]!["REDIS_PASSWORD"]!, (string)redis["environment"]!["REDISCLI_AUTH"]!);
    }

    [Fact]
    public void TenantQuotasAndTheStoreHeadroom_FitRedisMaxMemory()
    {
        var command = Compose["services"]!["redis"]!["command"]!.AsArray().Select(a => (string)a!).ToList();
        var env = Compose["services"]!["sessions"]!["environment"]!;
        StoreLimits.AssertFit("compose.yaml", StoreLimits.MaxMemoryBytes(command[command.IndexOf("--maxmemory") + 1]), name => (string?)env[name]);
    }

    [Fact]
    public void SessionService_PublishesGrpcAndWeb_AndMetricsOnLoopbackWithTheMetricsPortSet()
    {
        var sessions = Compose["services"]!["sessions"]!;
        var ports = sessions["ports"]!.AsArray().Select(p => (string)p!).ToList();
        // gRPC (h2c) and the HTTP/1.1 endpoint (gRPC-Web, the web client): what clients use, on
        // this machine unless DRAGGAN_BIND_ADDRESS opens them further (plain text, no TLS).
        Assert.Contains("${DRAGGAN_BIND_ADDRESS:-127.0.0.1}:8080:8080", ports);
        Assert.Contains("${DRAGGAN_BIND_ADDRESS:-127.0.0.1}:8081:8081", ports);
        // Metrics only for this machine, and only when the service is told to serve them.
        var metrics = Assert.Single(ports, p => p.EndsWith(":9090"));
        Assert.StartsWith("127.0.0.1:", metrics);
        Assert.Equal("9090", (string)sessions["environment"]!["Sessions__MetricsPort"]!);
        Assert.Equal(3, ports.Count);
        // The image exposes the same ports.
        var expose = Assert.Single(Dockerfile.Load("deploy", "docker", "sessions.Dockerfile").Final.Get("EXPOSE")).Arguments.Split(' ');
        Assert.Equal(expose.Order(), ports.Select(p => p.Split(':')[^1]).Order());
    }

    [Theory]
    [InlineData("inference")]
    [InlineData("sessions")]
    public void AppContainers_HaveAReadOnlyRootFileSystem_WithATmpfs(string name)
    {
        // deploy/check-containers.sh runs both images this way; the manifests declare the same.
        var service = Compose["services"]![name]!;
        Assert.True((bool)service["read_only"]!, $"{name}: no read_only.");
        Assert.Contains("/tmp", service["tmpfs"]!.AsArray().Select(t => (string)t!));
        Assert.Null(service["user"]);
    }

    [Fact]
    public void Inference_StopGraceCoversTheDrain()
    {
        var inference = Compose["services"]!["inference"]!;
        var drain = int.Parse((string)inference["environment"]!["Inference__ShutdownDrainSeconds"]!);
        Assert.True(Seconds((string)inference["stop_grace_period"]!) >= drain + ManifestAssertions.HostShutdownMarginSeconds);
        Assert.Contains("./models:/models", inference["volumes"]!.AsArray().Select(v => (string)v!));
        // Only loopback publishes the inference ports: clients go through the session service.
        Assert.All(inference["ports"]!.AsArray(), p => Assert.StartsWith("127.0.0.1:", (string)p!));
    }
}

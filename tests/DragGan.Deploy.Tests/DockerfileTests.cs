using System.Text.RegularExpressions;
using DragGan.Deploy.Tests.Support;

namespace DragGan.Deploy.Tests;

/// <summary>
/// The container images' rules, read from the Dockerfiles (no Docker engine is needed): multi-stage
/// builds, pinned base images, a numeric non-root user, a health check or the reason for none, the
/// inference image's CUDA build switch and the web client built into the session image.
/// deploy/check-dockerfiles.sh lints the syntax.
/// </summary>
public class DockerfileTests
{
    private static readonly string[] DockerfileNames =
        Directory.GetFiles(Repo.Path("deploy", "docker"), "*.Dockerfile").Select(Path.GetFileName).OfType<string>().Order().ToArray();

    public static TheoryData<string> Dockerfiles => new(DockerfileNames);

    private static Dockerfile Load(string name) => Dockerfile.Load("deploy", "docker", name);

    private static Dockerfile.Stage Stage(Dockerfile file, string name) => Assert.Single(file.Stages, s => s.Name == name);

    /// <summary>The stage's working directory after its last WORKDIR (absolute ones only, as here).</summary>
    private static string Workdir(Dockerfile.Stage stage)
    {
        var workdir = stage.Get("WORKDIR").LastOrDefault()?.Arguments;
        Assert.True(workdir?.StartsWith('/') == true, $"FROM {stage.From} AS {stage.Name}: no absolute WORKDIR.");
        return workdir;
    }

    /// <summary>A COPY destination as an absolute path (relative ones are taken from the WORKDIR).</summary>
    private static string Destination(Dockerfile.Stage stage, string destination) =>
        Path.GetFullPath(destination.StartsWith('/') ? destination : Path.Combine(Workdir(stage), destination)).TrimEnd('/');

    [Fact]
    public void BothServicesHaveAnImage()
    {
        Assert.Equal(["inference.Dockerfile", "sessions.Dockerfile"], DockerfileNames);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void IsMultiStage_WithNamedStages_AndTheFinalStageCopiesFromTheBuild(string name)
    {
        var file = Load(name);
        Assert.True(file.Stages.Count >= 2, $"{name}: one stage only.");
        Assert.All(file.Stages, s => Assert.False(string.IsNullOrEmpty(s.Name), $"{name}: FROM {s.From} has no AS name."));
        Assert.Equal("runtime", file.Final.Name);
        var build = Stage(file, "build");
        Assert.Contains(build.Get("RUN"), r => r.Arguments.Contains("dotnet publish") && r.Arguments.Contains("-c Release"));
        Assert.Contains(file.Final.Get("COPY"), c => c.Arguments.StartsWith("--from=build "));
        // Nothing in the final stage builds: no SDK there.
        Assert.DoesNotContain(file.Final.Get("RUN"), r => r.Arguments.Contains("dotnet "));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void BaseImages_ArePinned_NeverLatest(string name)
    {
        var file = Load(name);
        foreach (var stage in file.Stages)
        {
            var image = stage.Image;
            var lastSegment = image[(image.LastIndexOf('/') + 1)..];
            Assert.True(lastSegment.Contains(':') || image.Contains('@'), $"{name}: {image} has no tag.");
            Assert.False(lastSegment.EndsWith(":latest"), $"{name}: {image} uses latest.");
        }
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", Stage(file, "build").Image);
        Assert.StartsWith("10.", System.Text.Json.Nodes.JsonNode.Parse(Repo.Read("global.json"))!["sdk"]!["version"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void FinalStage_RunsAsANumericNonRootUser(string name)
    {
        var user = Assert.Single(Load(name).Final.Get("USER")).Arguments;
        var match = Regex.Match(user, @"^(\d+)(?::(\d+))?$");
        Assert.True(match.Success, $"{name}: USER {user} is not numeric (runAsNonRoot cannot verify a name).");
        Assert.NotEqual(0, int.Parse(match.Groups[1].Value));
        if (match.Groups[2].Success)
            Assert.NotEqual(0, int.Parse(match.Groups[2].Value));
        // USER comes after every RUN of the final stage, so nothing runs as root afterwards.
        var final = Load(name).Final;
        var userLine = final.Get("USER").Single().Line;
        Assert.All(final.Get("RUN"), r => Assert.True(r.Line < userLine));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void FinalStage_HasAHealthCheck_OrSaysWhyNot(string name)
    {
        var final = Load(name).Final;
        var healthCheck = final.Get("HEALTHCHECK").ToList();
        if (healthCheck.Count == 0)
        {
            Assert.Contains(final.Comments, c => c.StartsWith("No HEALTHCHECK:") && c.Length > "No HEALTHCHECK:".Length + 20);
        }
        else
        {
            var check = Assert.Single(healthCheck).Arguments;
            Assert.Matches(@"--interval=\d+s", check);
            Assert.Matches(@"--start-period=\d+s", check);
            Assert.Contains("CMD", check);
        }
    }

    [Fact]
    public void Inference_BuildsTorchSharpCuda_OnTheCudaCudnnRuntime()
    {
        var file = Load("inference.Dockerfile");
        var build = Stage(file, "build");
        Assert.Equal("cuda", build.Args["TORCH_BACKEND"]);
        var publishes = build.Get("RUN").Single(r => r.Arguments.Contains("dotnet publish")).Arguments;
        Assert.Equal(2, Regex.Matches(publishes, @"-p:TorchBackend=\$\{TORCH_BACKEND\}").Count);
        Assert.Contains("services/DragGan.Inference/DragGan.Inference.csproj", publishes);
        Assert.Contains("tools/DragGan.ModelTool/DragGan.ModelTool.csproj", publishes);
        Assert.Equal(2, Regex.Matches(publishes, "-r linux-x64 --self-contained").Count);
        // The switch the build reads (Directory.Build.props / DragGan.Engine.csproj).
        Assert.Contains("'$(TorchBackend)' == 'cuda'", Repo.Read("services", "DragGan.Engine", "DragGan.Engine.csproj"));
        Assert.Contains("TorchSharp-cuda-linux", Repo.Read("services", "DragGan.Engine", "DragGan.Engine.csproj"));

        // CUDA 12.x with cuDNN on Ubuntu 24.04 (GLIBCXX_3.4.32: TorchSharp's native library loads unpatched).
        Assert.Matches(@"^nvidia/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu24\.04$", file.Final.Image);
        Assert.Equal("cuda", file.Final.Args["TORCH_BACKEND"]);
        var env = string.Join(' ', file.Final.Get("ENV").Select(e => e.Arguments));
        Assert.Contains("ModelRegistry__Device=${TORCH_BACKEND}", env);
        Assert.Contains("ModelRegistry__BaseDirectory=/models", env);

        Assert.Equal("50051 9090", Assert.Single(file.Final.Get("EXPOSE")).Arguments);
        Assert.Equal("[\"draggan-entrypoint\"]", Assert.Single(file.Final.Get("ENTRYPOINT")).Arguments);
        Assert.Equal("[\"/app/DragGan.Inference\"]", Assert.Single(file.Final.Get("CMD")).Arguments);
        Assert.Contains("[\"draggan-healthcheck\"]", Assert.Single(file.Final.Get("HEALTHCHECK")).Arguments);
        Assert.Equal("10001:10001", Assert.Single(file.Final.Get("USER")).Arguments);
        // The models folder belongs to that user (downloads write there).
        Assert.Contains(file.Final.Get("RUN"), r => r.Arguments.Contains("install -d -o 10001 -g 10001") && r.Arguments.Contains("/models"));
    }

    [Fact]
    public void Sessions_RunsOnTheAspNetRuntimeWithFfmpeg()
    {
        var file = Load("sessions.Dockerfile");
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:10\.0-[a-z]+$", file.Final.Image);
        Assert.Contains(Stage(file, "build").Get("RUN"), r => r.Arguments.Contains("services/DragGan.Sessions/DragGan.Sessions.csproj"));
        // MP4 exports run ffmpeg: installed from the distribution's packages, nothing else pulled in, no apt lists left.
        var install = Assert.Single(file.Final.Get("RUN")).Arguments;
        Assert.Contains("apt-get install -y --no-install-recommends ffmpeg", install);
        Assert.Contains("rm -rf /var/lib/apt/lists/*", install);
        // The ASP.NET images' "app" user.
        Assert.Equal("1654:1654", Assert.Single(file.Final.Get("USER")).Arguments);
        // gRPC (h2c), gRPC-Web and the web client (HTTP/1.1), /metrics.
        Assert.Equal("8080 8081 9090", Assert.Single(file.Final.Get("EXPOSE")).Arguments);
        // Metrics are off unless Sessions__MetricsPort is set: the manifests set it, not the image.
        Assert.DoesNotContain(file.Stages.SelectMany(s => s.Get("ENV")), e => e.Arguments.Contains("Sessions__MetricsPort"));
        Assert.Equal("[\"dotnet\", \"/app/DragGan.Sessions.dll\"]", Assert.Single(file.Final.Get("ENTRYPOINT")).Arguments);
    }

    [Fact]
    public void Sessions_BuildsTheWebClientInANodeStage_AndPublishesItsDist()
    {
        var file = Load("sessions.Dockerfile");
        var web = Stage(file, "web");
        // @bufbuild/protoc-gen-es, run by `npm run build`, needs Node 22 or newer.
        var node = Regex.Match(web.Image, @"^node:(\d+)(\.[0-9.]+)?-[a-z]+(-slim)?$");
        Assert.True(node.Success, $"The web stage's image {web.Image} is not an official node image pinned to a version.");
        Assert.True(int.Parse(node.Groups[1].Value) >= 22, $"{web.Image}: Node {node.Groups[1].Value} cannot run protoc-gen-es.");

        var workdir = Workdir(web);
        Assert.Equal("/src/clients/web", workdir);
        var runs = web.Get("RUN").ToList();
        var install = Assert.Single(runs, r => r.Arguments.Contains("npm ci"));
        var bundle = Assert.Single(runs, r => r.Arguments.Contains("npm run build"));
        Assert.True(install.Line < bundle.Line, "npm run build runs before npm ci.");
        var package = System.Text.Json.Nodes.JsonNode.Parse(Repo.Read("clients", "web", "package.json"))!;
        var script = (string)package["scripts"]!["build"]!;
        Assert.Contains("buf generate", script);
        Assert.Contains("vite build", script);

        // What the build reads is copied in before it runs: the sources, and the contracts where
        // buf.gen.yaml looks for them (relative to clients/web).
        var copies = web.Get("COPY").Select(c => c.Arguments.Split(' ')).ToList();
        string CopiedTo(string source) => Destination(web, Assert.Single(copies, c => c[..^1].Contains(source))[^1]);
        Assert.Equal(workdir, CopiedTo("clients/web/"));
        Assert.Contains(copies, c => c[..^1].Contains("clients/web/package-lock.json"));
        var protosInput = Regex.Match(Repo.Read("clients", "web", "buf.gen.yaml"), @"directory:\s*(\S+)").Groups[1].Value;
        Assert.Equal("../../protos", protosInput);
        Assert.Equal(Path.GetFullPath(Path.Combine(workdir, protosInput)), CopiedTo("protos/"));
        Assert.All(web.Get("COPY").Concat(runs).Where(i => i.Arguments.Contains("protos/") || i.Arguments.Contains("clients/web/")),
            i => Assert.True(i.Line < bundle.Line, $"Line {i.Line} comes after npm run build."));

        // The build stage takes dist from the web stage into clients/web/dist, where
        // DragGan.Sessions.csproj looks for it, before it publishes.
        var build = Stage(file, "build");
        var fromWeb = Assert.Single(build.Get("COPY"), c => c.Arguments.StartsWith("--from=web "));
        var parts = fromWeb.Arguments.Split(' ');
        Assert.Equal($"{workdir}/dist", parts[1].TrimEnd('/'));
        Assert.Equal($"{Workdir(build)}/clients/web/dist", Destination(build, parts[^1]));
        var publish = Assert.Single(build.Get("RUN"), r => r.Arguments.Contains("dotnet publish"));
        Assert.True(fromWeb.Line < publish.Line, "The web client is copied after dotnet publish has run.");
        Assert.Contains("Exists('$(MSBuildThisFileDirectory)../../clients/web/dist/index.html')",
            Repo.Read("services", "DragGan.Sessions", "DragGan.Sessions.csproj"));
        // A publish without the client fails the build instead of shipping an image with no page.
        Assert.Contains("test -f /out/app/wwwroot/index.html", publish.Arguments);
        // No Node in the image that runs.
        Assert.DoesNotContain(file.Final.Get("COPY"), c => c.Arguments.StartsWith("--from=web "));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void CopiedFiles_ExistAndAreInTheBuildContext(string name)
    {
        var ignore = DockerIgnore.Load();
        foreach (var copy in Load(name).Stages.SelectMany(s => s.Get("COPY")).Where(c => !c.Arguments.Contains("--from=")))
        {
            var parts = copy.Arguments.Split(' ').Where(p => !p.StartsWith("--")).ToArray();
            foreach (var source in parts[..^1].Where(p => p != "."))
            {
                Assert.True(File.Exists(Repo.Path(source)) || Directory.Exists(Repo.Path(source)), $"{name}: COPY {source}: no such path.");
                Assert.False(ignore.Excludes(source), $"{name}: COPY {source}, but .dockerignore leaves it out of the context.");
            }
        }
    }

    [Fact]
    public void DockerIgnore_KeepsBuildOutputsOutAndTheSourcesIn()
    {
        var ignore = DockerIgnore.Load();
        Assert.True(ignore.Excludes("services/DragGan.Inference/bin/Release/x.dll"));
        Assert.True(ignore.Excludes("services/DragGan.Engine/obj/project.assets.json"));
        Assert.True(ignore.Excludes(".git/HEAD"));
        Assert.True(ignore.Excludes("helm/draggan/values.yaml"));
        Assert.True(ignore.Excludes("deploy/kustomize/base/kustomization.yaml"));
        Assert.False(ignore.Excludes("services/DragGan.Inference/Program.cs"));
        Assert.False(ignore.Excludes("protos/draggan/v1/inference.proto"));
        Assert.False(ignore.Excludes("build/TorchSharpNativeCompat.targets"));
        Assert.False(ignore.Excludes("Directory.Packages.props"));
        Assert.False(ignore.Excludes("deploy/docker/inference-entrypoint.sh"));
        // The web client's sources go in; its dependencies and local builds do not (the web stage builds dist).
        Assert.False(ignore.Excludes("clients/web/src/main.ts"));
        Assert.False(ignore.Excludes("clients/web/package-lock.json"));
        Assert.True(ignore.Excludes("clients/web/node_modules/vite/package.json"));
        Assert.True(ignore.Excludes("clients/web/dist/index.html"));
    }
}

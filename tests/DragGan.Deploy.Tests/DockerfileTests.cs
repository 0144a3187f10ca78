using System.Text.RegularExpressions;
using DragGan.Deploy.Tests.Support;

namespace DragGan.Deploy.Tests;

/// <summary>
/// The container images' rules, read from the Dockerfiles (no Docker engine is needed): multi-stage
/// builds, pinned base images, a numeric non-root user, a health check or the reason for none, and
/// the inference image's CUDA build switch. deploy/check-dockerfiles.sh lints the syntax.
/// </summary>
public class DockerfileTests
{
    private static readonly string[] DockerfileNames =
        Directory.GetFiles(Repo.Path("deploy", "docker"), "*.Dockerfile").Select(Path.GetFileName).OfType<string>().Order().ToArray();

    public static TheoryData<string> Dockerfiles => new(DockerfileNames);

    private static Dockerfile Load(string name) => Dockerfile.Load("deploy", "docker", name);

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
        var build = file.Stages[0];
        Assert.Equal("build", build.Name);
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
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", file.Stages[0].Image);
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
        var build = file.Stages[0];
        Assert.Equal("cuda", build.Args["TORCH_BACKEND"]);
        var publishes = build.Get("RUN").Single(r => r.Arguments.Contains("dotnet publish")).Arguments;
        Assert.Equal(2, Regex.Matches(publishes, @"-p:TorchBackend=\$\{TORCH_BACKEND\}").Count);
        Assert.Contains("services/DragGan.Inference/DragGan.Inference.csproj", publishes);
        Assert.Contains("services/DragGan.ModelTool/DragGan.ModelTool.csproj", publishes);
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
    public void Sessions_RunsOnTheChiseledAspNetRuntime()
    {
        var file = Load("sessions.Dockerfile");
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:10\.0-[a-z]+-chiseled$", file.Final.Image);
        Assert.Contains(file.Stages[0].Get("RUN"), r => r.Arguments.Contains("services/DragGan.Sessions/DragGan.Sessions.csproj"));
        // The chiseled images' "app" user.
        Assert.Equal("1654:1654", Assert.Single(file.Final.Get("USER")).Arguments);
        Assert.Equal("8080 9090", Assert.Single(file.Final.Get("EXPOSE")).Arguments);
        Assert.Empty(file.Final.Get("RUN"));
        Assert.Equal("[\"dotnet\", \"/app/DragGan.Sessions.dll\"]", Assert.Single(file.Final.Get("ENTRYPOINT")).Arguments);
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
    }
}

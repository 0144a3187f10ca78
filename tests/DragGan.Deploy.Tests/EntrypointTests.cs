using System.Security.Cryptography;
using DragGan.Deploy.Tests.Support;

namespace DragGan.Deploy.Tests;

/// <summary>
/// deploy/docker/inference-entrypoint.sh run with bash (as in the image): checkpoints fetched from
/// file:// URLs, verified by SHA-256, registered with the model registry.
/// </summary>
public sealed class EntrypointTests : IDisposable
{
    private static readonly string Script = Repo.Path("deploy", "docker", "inference-entrypoint.sh");
    private readonly string _dir = Directory.CreateTempSubdirectory("draggan-entrypoint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ModelsDir => Directory.CreateDirectory(Path.Combine(_dir, "models")).FullName;

    private (string Url, string Sha256) Source(string fileName, string content)
    {
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(_dir, "source")).FullName, fileName);
        File.WriteAllText(path, content);
        return (new Uri(path).AbsoluteUri, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
    }

    private Tools.Result Run(string? fetch, params string[] command)
    {
        var environment = new Dictionary<string, string?>
        {
            ["DRAGGAN_MODELS_DIR"] = ModelsDir,
            ["DRAGGAN_MODEL_FETCH"] = fetch,
        };
        return Tools.Run("bash", [Script, .. command], environment: environment);
    }

    private static Dictionary<string, string> RegistryEnv(Tools.Result result) =>
        result.Stdout.Split('\n').Where(l => l.StartsWith("ModelRegistry__")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public void FetchesVerifiesAndRegistersEachModel_ThenRunsTheCommand()
    {
        var (ffhqUrl, ffhqSha) = Source("stylegan2-ffhq-512x512.pkl", "pickle bytes");
        var (catUrl, catSha) = Source("cat.safetensors", "safetensors bytes");
        var result = Run($"ffhq-512 {ffhqUrl} {ffhqSha}\n  # a comment line\n; cat {catUrl} {catSha.ToUpperInvariant()}", "printenv");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var env = RegistryEnv(result);
        Assert.Equal(Path.Combine(ModelsDir, "ffhq-512.pkl"), env["ModelRegistry__Models__ffhq-512__Path"]);
        Assert.Equal(Path.Combine(ModelsDir, "cat.safetensors"), env["ModelRegistry__Models__cat__Path"]);
        Assert.Equal("pickle bytes", File.ReadAllText(Path.Combine(ModelsDir, "ffhq-512.pkl")));
        Assert.Empty(Directory.GetFiles(ModelsDir, "*.part"));
    }

    [Fact]
    public void KeepsAFileThatIsAlreadyThere_WithTheRightChecksum()
    {
        var (url, sha) = Source("a.pkl", "v1");
        Assert.Equal(0, Run($"a {url} {sha}", "fetch-models").ExitCode);
        // The source changes: the kept copy still matches the expected checksum, so nothing is fetched.
        File.WriteAllText(new Uri(url).LocalPath, "v2");
        var again = Run($"a {url} {sha}", "fetch-models");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("present with the expected checksum", again.Stderr);
        Assert.Equal("v1", File.ReadAllText(Path.Combine(ModelsDir, "a.pkl")));
    }

    [Fact]
    public void ChecksumMismatch_FailsAndLeavesNothingBehind()
    {
        var (url, sha) = Source("a.pkl", "tampered");
        var wrong = sha[..^1] + (sha[^1] == '0' ? '1' : '0');
        var result = Run($"a {url} {wrong}", "printenv");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("checksum mismatch", result.Stderr);
        Assert.DoesNotContain("ModelRegistry__", result.Stdout);
        Assert.Empty(Directory.GetFiles(ModelsDir));
    }

    [Theory]
    [InlineData("a file:///x.pkl", "entries are 'NAME URL SHA256'")]
    [InlineData("a/b file:///x.pkl 0000000000000000000000000000000000000000000000000000000000000000", "may hold only")]
    [InlineData("a ftp://h/x.pkl 0000000000000000000000000000000000000000000000000000000000000000", "must start with")]
    [InlineData("a file:///x.zip 0000000000000000000000000000000000000000000000000000000000000000", "must end in .pkl or .safetensors")]
    [InlineData("a file:///x.pkl abc", "64 hex digits")]
    public void MalformedEntries_AreRefused(string fetch, string message)
    {
        var result = Run(fetch, "true");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }

    [Fact]
    public void MissingDownload_Fails()
    {
        var result = Run($"a {new Uri(Path.Combine(_dir, "absent.pkl")).AbsoluteUri} {new string('0', 64)}", "true");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("download failed", result.Stderr);
    }

    [Fact]
    public void FetchModels_ExitsWithoutRunningTheService_AndNoFetchRunsTheCommandUnchanged()
    {
        var (url, sha) = Source("a.pkl", "x");
        var fetchOnly = Run($"a {url} {sha}", "fetch-models", "this-would-fail-if-run");
        Assert.Equal(0, fetchOnly.ExitCode);

        var plain = Run(null, "printenv");
        Assert.Equal(0, plain.ExitCode);
        Assert.Empty(RegistryEnv(plain));
    }

    [Fact]
    public void AnExplicitPathSetting_IsLeftAlone()
    {
        var (url, sha) = Source("a.pkl", "x");
        var result = Tools.Run("bash", [Script, "printenv"], environment: new Dictionary<string, string?>
        {
            ["DRAGGAN_MODELS_DIR"] = ModelsDir,
            ["DRAGGAN_MODEL_FETCH"] = $"a {url} {sha}",
            ["ModelRegistry__Models__a__Path"] = "/elsewhere/a.pkl",
        });
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/elsewhere/a.pkl", RegistryEnv(result)["ModelRegistry__Models__a__Path"]);
    }
}

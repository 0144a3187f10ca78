using DragGan.Cli;
using DragGan.Client.Tests.Support;

namespace DragGan.Client.Tests.Cli;

/// <summary>
/// What a script can rely on: each kind of failure has its exit code and a one-line message on
/// stderr, and connection settings come from flags, then environment, then the configuration file.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class ExitCodeTests(ServiceHosts hosts) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private CliRunner Cli => new(_folder.Path);

    private Task<CliResult> RunAsync(params string[] args) =>
        Cli.RunAsync(["--address", hosts.Address, "--api-key", TestKeys.AlphaKey, .. args]);

    [Theory]
    [InlineData("")]
    [InlineData("frobnicate")]
    [InlineData("new --seed -1")]
    [InlineData("drag SESSION")]
    [InlineData("drag SESSION --point 1,2")]
    [InlineData("drag SESSION --point 1,2:3,4 --steps 0")]
    [InlineData("models --timeout -3")]
    [InlineData("models --address ftp://example")]
    public async Task BadArguments_ExitWithUsage_BeforeAnyCall(string commandLine)
    {
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var run = await Cli.RunAsync(args);

        Assert.True(run.Code == ExitCodes.Usage, run.ToString());
        Assert.StartsWith("error: ", run.Stderr);
    }

    [Fact]
    public async Task AnUnreachableService_ExitsWithUnreachable()
    {
        var run = await Cli.RunAsync("--address", $"http://127.0.0.1:{FreePort.Next()}", "--api-key", TestKeys.AlphaKey, "models");

        Assert.True(run.Code == ExitCodes.Unreachable, run.ToString());
        Assert.StartsWith("error: cannot reach the session service at http://127.0.0.1:", run.Stderr);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task ARefusedKey_ExitsWithAuth()
    {
        var wrong = await Cli.RunAsync("--address", hosts.Address, "--api-key", "not-a-key", "models");
        var none = await Cli.RunAsync("--address", hosts.Address, "models");

        Assert.True(wrong.Code == ExitCodes.Auth, wrong.ToString());
        Assert.True(none.Code == ExitCodes.Auth, none.ToString());
        Assert.Contains("UNAUTHENTICATED", none.Stderr);
    }

    [Fact]
    public async Task UnusableInputs_ExitWithBadInput_NamingWhatIsWrong()
    {
        var unknown = await RunAsync("undo", "no-such-session");
        Assert.True(unknown.Code == ExitCodes.BadInput, unknown.ToString());
        Assert.Contains("NOT_FOUND", unknown.Stderr);

        var id = Assert.Single((await RunAsync("new", "--seed", "3")).Lines);
        var outside = await RunAsync("drag", id, "--point", "300,10:20,20", "--steps", "2");
        Assert.True(outside.Code == ExitCodes.BadInput, outside.ToString());
        Assert.Contains("INVALID_ARGUMENT: start.points[0].handle", outside.Stderr);

        var noMask = await RunAsync("drag", id, "--point", "10,10:20,20", "--mask", _folder.File("missing.png"));
        Assert.True(noMask.Code == ExitCodes.BadInput, noMask.ToString());
        var smallMask = _folder.File("small.png");
        await File.WriteAllBytesAsync(smallMask, Images.MaskPng(64, 64, (_, _) => true));
        var wrongSize = await RunAsync("drag", id, "--point", "10,10:20,20", "--mask", smallMask);
        Assert.True(wrongSize.Code == ExitCodes.BadInput, wrongSize.ToString());
        Assert.Contains("64x64", wrongSize.Stderr);

        var noPhoto = await RunAsync("invert", _folder.File("missing.jpg"));
        Assert.True(noPhoto.Code == ExitCodes.BadInput, noPhoto.ToString());

        // Nothing was dragged by the refused commands.
        using var client = hosts.Client();
        Assert.Single((await client.GetSessionAsync(id)).History);
    }

    [Fact]
    public async Task AnUnwritableOutput_ExitsWithOutputFailed()
    {
        var id = Assert.Single((await RunAsync("new", "--seed", "4")).Lines);
        var aFile = _folder.File("a-file");
        await File.WriteAllTextAsync(aFile, "not a folder");

        var run = await RunAsync("export", id, "--png", Path.Combine(aFile, "out.png"));

        Assert.True(run.Code == ExitCodes.OutputFailed, run.ToString());
        Assert.Contains("is a file, not a folder", run.Stderr);
    }

    [Fact]
    public async Task ConnectionSettings_FlagBeatsEnvironmentBeatsConfigFile()
    {
        var unreachable = $"http://127.0.0.1:{FreePort.Next()}";
        var config = _folder.File("config.json");
        await File.WriteAllTextAsync(config, $$"""{"address": "{{hosts.Address}}", "apiKey": "{{TestKeys.AlphaKey}}"}""");

        // The file alone is enough.
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--config", config, "models")).Code);

        // The environment wins over the file...
        var withEnvironment = Cli;
        withEnvironment.Variables["DRAGGAN_ADDRESS"] = unreachable;
        Assert.Equal(ExitCodes.Unreachable, (await withEnvironment.RunAsync("--config", config, "models")).Code);

        // ...and a flag over the environment.
        Assert.Equal(ExitCodes.Success, (await withEnvironment.RunAsync("--config", config, "--address", hosts.Address, "models")).Code);

        // The default file is $XDG_CONFIG_HOME/draggan/config.json.
        var xdg = Directory.CreateDirectory(_folder.File("xdg/draggan")).Parent!.FullName;
        File.Copy(config, Path.Combine(xdg, "draggan", "config.json"));
        var withDefaultFile = Cli;
        withDefaultFile.Variables["XDG_CONFIG_HOME"] = xdg;
        Assert.Equal(ExitCodes.Success, (await withDefaultFile.RunAsync("models")).Code);

        // A named file that is missing or malformed is bad input.
        Assert.Equal(ExitCodes.BadInput, (await Cli.RunAsync("--config", _folder.File("none.json"), "models")).Code);
        var broken = _folder.File("broken.json");
        await File.WriteAllTextAsync(broken, """{"adress": "typo"}""");
        var malformed = await Cli.RunAsync("--config", broken, "models");
        Assert.Equal(ExitCodes.BadInput, malformed.Code);
        Assert.Contains("is not valid", malformed.Stderr);
    }
}

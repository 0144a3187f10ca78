using DragGan.Client.Tests.Support;
using DragGan.Engine.Models;
using DragGan.Protos.V1;

namespace DragGan.Client.Tests.Python;

/// <summary>
/// The Python example (clients/python) against the real services: stubs generated from protos/
/// with Debian's protoc and grpc_python_plugin, run by Debian's python3 with python3-grpcio (or
/// DRAGGAN_PYTHON), checked through the .NET client's view of the session it made.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class PythonClientTests(ServiceHosts hosts) : IDisposable
{
    private const int Steps = 4;

    private readonly TempFolder _folder = new();
    private readonly string _clientFolder = Path.Combine(ExternalProcess.RepositoryRoot(), "clients", "python");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Example_DragsStopsUndoesAndExportsThePngOfTheUndoneState()
    {
        var stubs = _folder.File("gen");
        var generated = await ExternalProcess.RunAsync("bash", [Path.Combine(_clientFolder, "generate.sh"), stubs]);
        Assert.True(generated.Code == 0, generated.ToString());
        var png = _folder.File("out.png");

        var run = await ExternalProcess.RunAsync(
            Environment.GetEnvironmentVariable("DRAGGAN_PYTHON") ?? "/usr/bin/python3",
            [
                Path.Combine(_clientFolder, "draggan_example.py"),
                "--address", new Uri(hosts.Address).Authority,
                "--api-key", TestKeys.AlphaKey,
                "--seed", "42",
                "--point", "100,128:130,128",
                "--steps", Steps.ToString(),
                "--png", png,
            ],
            new Dictionary<string, string> { ["PYTHONPATH"] = stubs });

        Assert.True(run.Code == 0, run.ToString());
        var sessionId = run.Lines[0].Split(' ')[1];
        Assert.Equal($"session {sessionId} model {DemoModel.Name} 256px", run.Lines[0]);
        // One line per step the service forwarded (a busy machine may drop some), ending at the limit.
        var steps = run.Lines.Where(l => l.StartsWith("step ", StringComparison.Ordinal)).Select(l => int.Parse(l.Split(' ')[1])).ToList();
        Assert.NotEmpty(steps);
        Assert.Equal(steps.Order(), steps);
        Assert.Equal(Steps, steps[^1]);

        using var client = hosts.Client();
        var session = await client.GetSessionAsync(sessionId);
        Assert.Equal(2, session.History.Count);
        Assert.Equal(HistoryEntryKind.Drag, session.History[1].Kind);
        Assert.Equal(DragOutcome.StepLimitReached, session.History[1].Outcome);
        Assert.Equal(0u, session.CurrentIndex); // undone
        Assert.Contains($"committed entry {session.History[1].Id}", run.Lines);
        Assert.Contains($"undo: at entry {session.History[0].Id} (1 of 2)", run.Lines);
        Assert.Equal($"wrote {png} (entry {session.History[0].Id}, 256x256)", run.Lines[^1]);
        var written = await File.ReadAllBytesAsync(png);
        Assert.Equal(await client.ExportPngAsync(sessionId), written);
        Assert.Equal((256, 256), Images.DecodeRgb(written) is var (width, height, _) ? (width, height) : (0, 0));
    }

    [Fact]
    public async Task Example_InvertsAPhotoTuningTheModelToIt_ThenDragsIt()
    {
        var stubs = _folder.File("gen");
        var generated = await ExternalProcess.RunAsync("bash", [Path.Combine(_clientFolder, "generate.sh"), stubs]);
        Assert.True(generated.Code == 0, generated.ToString());
        using var client = hosts.Client();
        var photo = _folder.File("photo.png");
        await File.WriteAllBytesAsync(photo, await client.ExportPngAsync((await client.CreateFromSeedAsync(9)).Id));

        var run = await ExternalProcess.RunAsync(
            Environment.GetEnvironmentVariable("DRAGGAN_PYTHON") ?? "/usr/bin/python3",
            [
                Path.Combine(_clientFolder, "draggan_example.py"),
                "--address", new Uri(hosts.Address).Authority,
                "--api-key", TestKeys.AlphaKey,
                "--photo", photo,
                "--projection-steps", "3",
                "--tuning-steps", "2",
                "--point", "100,128:130,128",
                "--steps", "2",
                "--png", _folder.File("out.png"),
            ],
            new Dictionary<string, string> { ["PYTHONPATH"] = stubs });

        Assert.True(run.Code == 0, run.ToString());
        var sessionId = run.Lines[1].Split(' ')[1];
        var session = await client.GetSessionAsync(sessionId);
        var inverted = session.History[0];
        Assert.Equal((HistoryEntryKind.Inverted, 5u), (inverted.Kind, inverted.Steps));
        Assert.True(session.WeightDeltaBytes > 0);
        Assert.StartsWith($"inverted {photo} in 5 steps: PSNR ", run.Lines[0]);
        Assert.EndsWith($"tuned weight delta {session.WeightDeltaBytes} bytes", run.Lines[0]);
        Assert.Equal(HistoryEntryKind.Drag, session.History[1].Kind);
    }
}

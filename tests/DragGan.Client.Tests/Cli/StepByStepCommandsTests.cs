using DragGan.Cli;
using DragGan.Client.Tests.Support;
using DragGan.Protos.V1;
using SkiaSharp;

namespace DragGan.Client.Tests.Cli;

/// <summary>
/// The step-by-step commands a script chains: models, new, drag (with a mask), undo, redo, export
/// and invert, each against the real services, checked through the library's view of the session.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class StepByStepCommandsTests(ServiceHosts hosts) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> RunAsync(params string[] args) =>
        new CliRunner(_folder.Path).RunAsync(["--address", hosts.Address, "--api-key", TestKeys.AlphaKey, .. args]);

    [Fact]
    public async Task Models_ListsTheDemoModelAsTheDefault()
    {
        var run = await RunAsync("models");

        Assert.True(run.Code == ExitCodes.Success, run.ToString());
        Assert.Contains(run.Lines, line => line.Split('\t') is [_, "256", "default", ..]);
    }

    [Fact]
    public async Task NewDragUndoRedoExport_ChainAsAScriptWould()
    {
        var created = await RunAsync("new", "--seed", "9");
        Assert.True(created.Code == ExitCodes.Success, created.ToString());
        var id = Assert.Single(created.Lines);

        // The lower half is fixed (white), the upper half may move.
        var maskPath = _folder.File("mask.png");
        await File.WriteAllBytesAsync(maskPath, Images.MaskPng(256, 256, (_, y) => y >= 128));
        var dragged = await RunAsync("drag", id, "--point", "100,64:120,64", "--steps", "3", "--mask", maskPath);
        Assert.True(dragged.Code == ExitCodes.Success, dragged.ToString());
        Assert.StartsWith("step 3 distance", dragged.Lines.Last(l => l.StartsWith("step ")));
        Assert.Contains("entry 2 committed after 3 steps (step limit reached)", dragged.Lines);

        using var client = hosts.Client();
        var session = await client.GetSessionAsync(id, SessionView.Full);
        Assert.Equal([HistoryEntryKind.Created, HistoryEntryKind.Drag], session.History.Select(e => e.Kind));
        var target = session.History[^1].Points.Single().Target;
        Assert.Equal((120.0, 64.0), (target.X, target.Y));
        var fixedPixels = session.Mask.Values.Count(v => v != 0);
        Assert.Equal(256 * 128, fixedPixels);
        Assert.All(session.Mask.Values.Take(256 * 128), v => Assert.Equal(0, v));

        var undone = await RunAsync("undo", id);
        Assert.True(undone.Code == ExitCodes.Success, undone.ToString());
        Assert.StartsWith("at entry 1 (1 of 2", Assert.Single(undone.Lines));
        Assert.Equal(0u, (await client.GetSessionAsync(id)).CurrentIndex);
        var redone = await RunAsync("redo", id);
        Assert.StartsWith("at entry 2 (2 of 2", Assert.Single(redone.Lines));

        var (png, gif, mp4, latent) = (_folder.File("out/a.png"), _folder.File("out/d.gif"), _folder.File("out/d.mp4"), _folder.File("out/w.npy"));
        var exported = await RunAsync("export", id, "--png", png, "--gif", gif, "--mp4", mp4, "--latent", latent);
        Assert.True(exported.Code == ExitCodes.Success, exported.ToString());
        Assert.Equal(await client.ExportPngAsync(id), await File.ReadAllBytesAsync(png));
        Assert.Equal((SKEncodedImageFormat.Gif, 4, 256, 256), Images.Describe(await File.ReadAllBytesAsync(gif))); // three steps and the final image
        // The same four frames at 80 ms, the last repeated to hold it for a second: 16 frames, 1.28 s.
        var video = await ProbedVideo.ReadAsync(await File.ReadAllBytesAsync(mp4));
        Assert.Equal(("h264", 256, 256, 16), (video.Codec, video.Width, video.Height, video.DecodedFrames));
        Assert.Equal(1.28, video.DurationSeconds, 0.001);
        Assert.Contains($"wrote {mp4} (16 frames, 256x256)", exported.Lines);
        var (shape, values) = Npy.Read(await File.ReadAllBytesAsync(latent));
        Assert.Equal([1, 14, 512], shape);
        Assert.Equal(session.Latent.Values.ToArray(), values);
    }

    [Fact]
    public async Task Invert_PrintsTheIdOfASessionMadeFromThePhoto()
    {
        using var client = hosts.Client();
        var source = await client.CreateFromSeedAsync(21);
        var photo = _folder.File("photo.png");
        await File.WriteAllBytesAsync(photo, await client.ExportPngAsync(source.Id));

        var reconstruction = _folder.File("reconstruction.png");
        var run = await RunAsync("invert", photo, "--steps", "5", "--tuning-steps", "2", "--tuning-rank", "1", "--png", reconstruction);
        var untuned = await RunAsync("invert", photo, "--steps", "5", "--no-tuning");

        Assert.True(run.Code == ExitCodes.Success, run.ToString());
        var inverted = await client.GetSessionAsync(Assert.Single(run.Lines));
        var entry = Assert.Single(inverted.History);
        Assert.Equal((HistoryEntryKind.Inverted, 7u), (entry.Kind, entry.Steps));
        Assert.Equal(source.Model, inverted.Model);
        Assert.True(inverted.WeightDeltaBytes > 0);
        Assert.Equal(await client.ExportPngAsync(inverted.Id), await File.ReadAllBytesAsync(reconstruction));
        Assert.Contains($"tuned weight delta {inverted.WeightDeltaBytes} bytes", run.Stderr);
        Assert.Equal(0ul, (await client.GetSessionAsync(Assert.Single(untuned.Lines))).WeightDeltaBytes);
    }

    [Fact]
    public async Task Invert_PrintsTheInversionsSteps_OnStandardError_EveryFewStepsAndAtEachStage()
    {
        using var client = hosts.Client();
        var source = await client.CreateFromSeedAsync(22);
        var photo = _folder.File("photo.png");
        await File.WriteAllBytesAsync(photo, await client.ExportPngAsync(source.Id));

        var run = await RunAsync("invert", photo, "--steps", "26", "--tuning-steps", "4", "--tuning-rank", "1");

        Assert.True(run.Code == ExitCodes.Success, run.ToString());
        var inverted = await client.GetSessionAsync(Assert.Single(run.Lines));
        var errors = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var steps = errors.Where(line => line.StartsWith("step ", StringComparison.Ordinal)).ToArray();
        Assert.All(steps, line => Assert.Matches(@"^step \d+/30 (projection|tuning) PSNR \d+\.\d\d dB( perceptual distance \d+\.\d{4})?$", line));
        // The service replaces a report its client has not read yet with a newer one, so on a loaded
        // machine any step but the last may be missing: lines come in order, the last is the last
        // step, and there is not one a step.
        var numbers = steps.Select(line => int.Parse(line.Split(' ', '/')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(numbers.Order(), numbers);
        Assert.Equal(numbers.Length, numbers.Distinct().Count());
        Assert.StartsWith("step 30/30 tuning PSNR ", steps[^1]);
        var tuning = steps.Where(line => line.Contains(" tuning ", StringComparison.Ordinal)).ToArray();
        Assert.All(tuning, line => Assert.Contains(" perceptual distance ", line));
        Assert.InRange(steps.Length, 1, 6);
        // The existing summary still ends the output.
        Assert.StartsWith($"reconstruction: ", errors[^1]);
        Assert.EndsWith($"after {inverted.History[0].Steps} steps; tuned weight delta {inverted.WeightDeltaBytes} bytes", errors[^1]);
    }

    [Fact]
    public async Task DragWithTakeOver_ContinuesTheDragAnotherClientStarted_AndCommitsIt()
    {
        using var client = hosts.Client();
        var session = await client.CreateFromSeedAsync(14);
        await using var running = await client.StartDragAsync(session.Id, [DragPoints.Pair(100, 128, 130, 128)], new DragParameters { MaxSteps = 12 });

        // No --point: the running drag keeps its own points and step limit.
        var run = await RunAsync("drag", session.Id, "--take-over");

        Assert.True(run.Code == ExitCodes.Success, run.ToString());
        Assert.Contains(run.Lines, line => line.StartsWith("step "));
        Assert.Contains(run.Lines, line => line.StartsWith("entry 2 committed after ", StringComparison.Ordinal));
        var after = await client.GetSessionAsync(session.Id, SessionView.Full);
        Assert.Null(after.ActiveDrag);
        var entry = after.History[^1];
        Assert.Equal((HistoryEntryKind.Drag, running.DragId), (entry.Kind, entry.DragId));
        Assert.Equal(130.0, entry.Points.Single().Target.X);
    }

    [Fact]
    public async Task OnATerminal_ADragShowsALiveProgressLine_InsteadOfPlainLines()
    {
        var id = Assert.Single((await RunAsync("new", "--seed", "12")).Lines);
        var terminal = new CliRunner(_folder.Path) { Terminal = true };

        var run = await terminal.RunAsync("--address", hosts.Address, "--api-key", TestKeys.AlphaKey, "drag", id, "--point", "100,128:130,128", "--steps", "3");

        Assert.True(run.Code == ExitCodes.Success, run.ToString());
        Assert.Matches(@"step 3/3 +\d+\.\d px to target +\d+\.\d steps/s", run.Stdout);
        Assert.DoesNotContain(run.Lines, line => line.StartsWith("step 1 distance"));
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using DragGan.Cli;
using DragGan.Client.Tests.Support;
using DragGan.Protos.V1;
using SkiaSharp;

namespace DragGan.Client.Tests.Cli;

/// <summary>
/// <c>draggan edit</c>, the one-shot new + drag + export, against the real services: the files it
/// writes, and that the drag really moved the handle's content toward the target.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed partial class EditCommandTests(ServiceHosts hosts) : IDisposable
{
    private const int Steps = 5;

    /// <summary>Point tracking's search radius r2 on the 256 px demo model (12 px at 512, scaled).</summary>
    private const int TrackingRadius = 6;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private CliRunner Cli => new(_folder.Path);

    [Fact]
    public async Task Edit_WritesThePngGifAndLatentOfADragThatMovedTheHandleTowardItsTarget()
    {
        var (png, gif, latent) = (_folder.File("out.png"), _folder.File("drag.gif"), _folder.File("w.npy"));

        // A higher learning rate than the default moves the handle a few pixels within five steps.
        var run = await Cli.RunAsync("--address", hosts.Address, "--api-key", TestKeys.AlphaKey,
            "edit", "--seed", "42", "--point", "100,128:130,128", "--steps", $"{Steps}", "--lr", "0.003",
            "--png", png, "--gif", gif, "--latent", latent);

        Assert.True(run.Code == ExitCodes.Success, run.ToString());
        Assert.Equal("", run.Stderr);
        var sessionId = SessionLine().Match(run.Stdout).Groups[1].Value;
        Assert.NotEmpty(sessionId);
        // Not a terminal: one plain line per step received (a busy service may drop a frame, newest wins), in order.
        var stepLines = run.Lines.Where(l => l.StartsWith("step ")).Select(l => int.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Steps, stepLines[^1]);
        Assert.Equal(stepLines.Order().Distinct(), stepLines);
        Assert.Matches(@"^step 5 distance \d+\.\d px \d+\.\d steps/s$", run.Lines.Last(l => l.StartsWith("step ")));
        Assert.Contains($"entry 2 committed after {Steps} steps (step limit reached)", run.Lines);
        var reported = ReportedHandle(run.Stdout);

        using var client = hosts.Client();
        var session = await client.GetSessionAsync(sessionId);
        Assert.Equal([HistoryEntryKind.Created, HistoryEntryKind.Drag], session.History.Select(e => e.Kind));

        // The PNG is the edited state; the GIF has one frame per step (each step's image is of its
        // forward, before its update) and the final image.
        Assert.Equal(await client.ExportPngAsync(sessionId), await File.ReadAllBytesAsync(png));
        var animation = Images.Describe(await File.ReadAllBytesAsync(gif));
        Assert.Equal((SKEncodedImageFormat.Gif, Steps + 1, 256, 256), animation);
        Assert.Contains($"wrote {gif} ({Steps + 1} frames, 256x256)", run.Lines);

        // What moved: with the demo generator, DragGAN's feature of the handle before the drag is
        // found (searching as point tracking does, within r2 = 6 px at 256 px) nearer the target in
        // the edited latent than where it started.
        var before = Npy.Read((await client.ExportLatentAsync(sessionId, entryId: 1)).Data.ToByteArray());
        var after = Npy.Read(await File.ReadAllBytesAsync(latent));
        Assert.Equal([1, 14, 512], after.Shape);
        Assert.NotEqual(before.Values, after.Values);
        using var generator = new DemoFeatures();
        var reference = generator.Of(before.Values).At(100, 128);
        var mapAfter = generator.Of(after.Values);
        var foundBefore = generator.Of(before.Values).Nearest(reference, 100, 128, TrackingRadius);
        var foundAfter = mapAfter.Nearest(reference, 100, 128, TrackingRadius);

        Assert.Equal((100, 128), foundBefore);
        var distanceBefore = DistanceToTarget(foundBefore);
        var distanceAfter = DistanceToTarget(foundAfter);
        Assert.True(distanceAfter <= distanceBefore - 2, $"the handle's feature is found at {foundAfter}, {distanceAfter:F1} px from the target (was {distanceBefore:F1})");
        // The drag's own tracking reported the handle where the feature is found.
        Assert.True(Math.Abs(reported.X - foundAfter.X) <= 2 && Math.Abs(reported.Y - foundAfter.Y) <= 2, $"reported {reported}, found {foundAfter}");
        // The content left the handle's starting pixel: its feature matches the reference less than the new position's does.
        Assert.True(L2(mapAfter.At((int)reported.X, (int)reported.Y), reference) < L2(mapAfter.At(100, 128), reference));

        // And the picture changed most around the handle's path.
        var original = Images.DecodeRgb(await client.ExportPngAsync(sessionId, entryId: 1));
        var edited = Images.DecodeRgb(await File.ReadAllBytesAsync(png));
        var near = MeanDifference(original.Rgb, edited.Rgb, (x, y) => Math.Abs(y - 128) <= 16 && x is >= 84 and <= 146);
        var far = MeanDifference(original.Rgb, edited.Rgb, (x, y) => Math.Abs(y - 128) > 64 || x < 36 || x > 194);
        Assert.True(near > 2 * far, $"mean change near the handle {near:F2}, far from it {far:F2}");
    }

    private static double L2(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());

    private static double DistanceToTarget((int X, int Y) point) => Math.Sqrt(Math.Pow(point.X - 130, 2) + Math.Pow(point.Y - 128, 2));

    private static (double X, double Y) ReportedHandle(string stdout)
    {
        var match = HandleLine().Match(stdout);
        Assert.True(match.Success, stdout);
        return (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    private static double MeanDifference(byte[] a, byte[] b, Func<int, int, bool> region)
    {
        double sum = 0;
        var count = 0;
        for (var y = 0; y < 256; y++)
        {
            for (var x = 0; x < 256; x++)
            {
                if (!region(x, y))
                    continue;
                for (var c = 0; c < 3; c++)
                    sum += Math.Abs(a[(y * 256 + x) * 3 + c] - b[(y * 256 + x) * 3 + c]);
                count += 3;
            }
        }
        return sum / count;
    }

    [GeneratedRegex(@"^session (\S+)$", RegexOptions.Multiline)]
    private static partial Regex SessionLine();

    [GeneratedRegex(@"^handle 0 \(([\d.]+),([\d.]+)\) target \(130,128\)", RegexOptions.Multiline)]
    private static partial Regex HandleLine();
}

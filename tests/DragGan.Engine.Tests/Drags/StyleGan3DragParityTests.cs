using System.Text.Json;
using DragGan.Engine.Drags;
using DragGan.Engine.Networks.StyleGan3;
using DragGan.Engine.Tests.Support;
using Xunit.Abstractions;

namespace DragGan.Engine.Tests.Drags;

/// <summary>
/// The engine on the StyleGAN3-T fixture against drags recorded from the official renderer
/// (XingangPan/DragGAN viz/renderer.py): seed 42, psi 0.7, w+ with the first 6 of 16 rows
/// optimised, Adam lr 0.001, r1 = 2, r2 = 6, feature = layer L5's whole 84 x 84 output resized to
/// 256 x 256, the reference's linspace pixel grid, up to 30 steps, stopping as the renderer stops.
/// </summary>
public sealed class StyleGan3DragParityTests(TinyStyleGan3 tiny, ITestOutputHelper output) : IClassFixture<TinyStyleGan3>
{
    private const int MaxSteps = 30;
    private readonly StyleGan3Generator _generator = tiny.Generator;

    [Theory]
    [InlineData("one_point")]
    [InlineData("two_points")]
    public void EveryTrackedPointAndTheFinalLatentMatch(string name)
    {
        var (reference, stoppedAt) = Load(name);
        var (trajectory, converged, finalWs) = Run(reference);

        Assert.Equal(reference.Trajectory.Count, trajectory.Count);
        for (var step = 0; step < trajectory.Count; step++)
            Assert.True(reference.Trajectory[step].SequenceEqual(trajectory[step]), $"step {step}: reference {Format(reference.Trajectory[step])}, ours {Format(trajectory[step])}");
        Assert.Equal(stoppedAt is not null, converged);

        var maxDifference = finalWs.Zip(reference.FinalWs, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{name}: {trajectory.Count} steps, converged {converged}, max |ws - reference ws| = {maxDifference:E2}");
        Assert.True(maxDifference <= 5e-4, $"max |ws - reference ws| after {trajectory.Count} steps = {maxDifference}");
    }

    private (List<IReadOnlyList<PixelPoint>> Trajectory, bool Converged, float[] FinalWs) Run(DragReference reference)
    {
        using var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan3("seed42_ws.npy"));
        using var edit = DragEdit.Start(_generator, ws, reference.Points,
            parameters: new DragParameters { ReferencePixelGrid = true, MaxSteps = MaxSteps });
        var stepper = new DragStepper(_generator);
        var trajectory = new List<IReadOnlyList<PixelPoint>>();
        var converged = false;
        for (var step = 0; step < MaxSteps && !converged; step++)
        {
            using var result = stepper.Step([edit])[0];
            trajectory.Add(result.Handles);
            converged = result.Converged;
        }
        using var latent = edit.CurrentLatent();
        return (trajectory, converged, latent.data<float>().ToArray());
    }

    /// <summary>A case of the fixture's drag_reference.json; points are stored [row, col], the engine takes (x, y).</summary>
    private static (DragReference Reference, int? StoppedAt) Load(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestFixtures.TinyStyleGan3("drag_reference.json")));
        var root = document.RootElement.GetProperty("cases").GetProperty(name);
        var handles = Points(root.GetProperty("points"));
        var targets = Points(root.GetProperty("targets"));
        var trajectory = root.GetProperty("trajectory").EnumerateArray().Select(Points).ToArray();
        var finalWs = root.GetProperty("final_ws")[0].EnumerateArray().SelectMany(row => row.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        int? stoppedAt = root.GetProperty("stopped_at").ValueKind == JsonValueKind.Null ? null : root.GetProperty("stopped_at").GetInt32();
        return (new DragReference(name, handles.Zip(targets).ToArray(), trajectory, finalWs), stoppedAt);
    }

    private static IReadOnlyList<PixelPoint> Points(JsonElement points) =>
        points.EnumerateArray().Select(p => new PixelPoint(p[1].GetDouble(), p[0].GetDouble())).ToArray();

    private static string Format(IReadOnlyList<PixelPoint> points) => string.Join(" ", points.Select(p => $"({p.X}, {p.Y})"));
}

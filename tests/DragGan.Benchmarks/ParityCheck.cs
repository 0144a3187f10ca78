using System.Text.Json;
using DragGan.Engine.Drags;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using static TorchSharp.torch;

namespace DragGan.Benchmarks;

/// <summary>
/// The fixture's reference outputs (the official code, float32 on CPU) against ours on any device:
/// seed 42's ws, image and b128 features, and both recorded drags with the reference's pixel grid
/// (every tracked point and the final ws). What `DragParityTests` and `GeneratorParityTests` assert on
/// CPU, reported as measured differences so that a CUDA run states its tolerances. Runs in fp32
/// (<c>ForceFp32</c>), and the generator outputs also in the reference's fp16 mode where the device
/// has one.
/// </summary>
internal static class ParityCheck
{
    public static IEnumerable<Dictionary<string, object>> Run(string fixtureCheckpoint, Device device)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(fixtureCheckpoint))!;
        using var generator = BenchmarkModel.Fixture(fixtureCheckpoint).Create(device);
        var fp16Modes = device.type == DeviceType.CUDA ? new[] { false, true } : [false];
        foreach (var fp16 in fp16Modes)
            yield return GeneratorOutputs(generator, directory, fp16);
        using var cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "drag_reference.json")));
        foreach (var recorded in cases.RootElement.GetProperty("cases").EnumerateObject())
            yield return RecordedDrag(generator, directory, recorded);
    }

    private static Dictionary<string, object> GeneratorOutputs(StyleGan2Generator generator, string directory, bool fp16)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ws = generator.MapSeed(42, psi: 0.7).cpu();
        var referenceWs = Npy.ReadFloat32(Path.Combine(directory, "seed42_ws.npy"));
        using var synthesis = generator.Synthesize(referenceWs.to(generator.Device), new SynthesisOptions
        {
            FeatureResolutions = [128],
            ForceFp32 = !fp16,
        });
        var image = synthesis.Image!.cpu();
        var features = synthesis.Features[128].cpu();
        return new Dictionary<string, object>
        {
            ["suite"] = "parity",
            ["check"] = "generator",
            ["device"] = generator.Device.ToString(),
            ["precision"] = fp16 ? "fp16 top resolutions (as the reference on CUDA)" : "fp32",
            ["ws_max_abs_diff"] = MaxAbsDiff(ws, referenceWs),
            ["image_max_abs_diff"] = MaxAbsDiff(image, Npy.ReadFloat32(Path.Combine(directory, "seed42_img.npy"))),
            ["feat_b128_max_abs_diff"] = MaxAbsDiff(features, Npy.ReadFloat32(Path.Combine(directory, "seed42_feat5.npy"))),
        };
    }

    private static Dictionary<string, object> RecordedDrag(StyleGan2Generator generator, string directory, JsonProperty recorded)
    {
        var handles = ReferenceDrags.ReadPoints(recorded.Value.GetProperty("points"));
        var targets = ReferenceDrags.ReadPoints(recorded.Value.GetProperty("targets"));
        var trajectory = recorded.Value.GetProperty("trajectory").EnumerateArray().Select(step => ReferenceDrags.ReadPoints(step).ToArray()).ToArray();
        var referenceWs = recorded.Value.GetProperty("final_ws")[0].EnumerateArray()
            .SelectMany(row => row.EnumerateArray().Select(v => v.GetSingle())).ToArray();

        using var ws = Npy.ReadFloat32(Path.Combine(directory, "seed42_ws.npy"));
        using var edit = DragEdit.Start(generator, ws.to(generator.Device), handles.Zip(targets).ToArray(),
            parameters: new DragParameters { ReferencePixelGrid = true, MaxSteps = trajectory.Length });
        var stepper = new DragStepper(generator) { ForceFp32 = true };
        var matching = 0;
        int? firstMismatch = null;
        for (var step = 0; step < trajectory.Length; step++)
        {
            using var result = stepper.Step([edit])[0];
            if (result.Handles.SequenceEqual(trajectory[step]))
                matching++;
            else
                firstMismatch ??= step + 1;
        }
        using var latent = edit.CurrentLatent();
        var finalWs = latent.cpu().data<float>().ToArray();
        return new Dictionary<string, object>
        {
            ["suite"] = "parity",
            ["check"] = "recorded-drag",
            ["case"] = recorded.Name,
            ["device"] = generator.Device.ToString(),
            ["steps"] = trajectory.Length,
            ["tracked_steps_equal"] = matching,
            ["first_step_differing"] = firstMismatch is { } s ? s : "none",
            ["final_ws_max_abs_diff"] = finalWs.Zip(referenceWs, (a, b) => (double)Math.Abs(a - b)).Max(),
        };
    }

    private static double MaxAbsDiff(Tensor ours, Tensor reference) =>
        ours.to(ScalarType.Float32).sub(reference).abs().max().item<float>();
}

using System.Globalization;
using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Engine.Networks;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Training.Showcase;

/// <summary>
/// The README's pictures of a face model, reproducibly: a row of seeds, and one drag as a
/// before | after pair. Seeds map to z as the reference does; the drag uses the engine's defaults
/// with the given learning rate.
/// </summary>
internal sealed class FaceShowcase(ImageGenerator generator, TextWriter log)
{
    /// <summary>White pixels between the pictures of a row.</summary>
    public const int Gap = 2;

    /// <summary>Seeds <c>0 .. count-1</c> side by side at truncation <paramref name="psi"/>.</summary>
    public byte[] SeedRow(int count, double psi)
    {
        using var scope = NewDisposeScope();
        var images = Enumerable.Range(0, count).Select(seed => Draw(generator.MapSeed(seed, psi))).ToArray();
        return ImageCodec.Encode(Row(images));
    }

    /// <summary>
    /// Drags <paramref name="handle"/> of <paramref name="seed"/>'s face toward
    /// <paramref name="target"/> and returns the first and last images side by side, each
    /// <paramref name="scale"/> times its size (bilinear), with the edit's outcome.
    /// </summary>
    public (byte[] Png, ShowcaseDragOutcome Outcome) Drag(long seed, double psi, PixelPoint handle, PixelPoint target, int maxSteps, double learningRate, int scale)
    {
        using var scope = NewDisposeScope();
        var ws = generator.MapSeed(seed, psi);
        using var edit = DragEdit.Start(generator, ws, [(handle, target)], parameters: new DragParameters { MaxSteps = maxSteps, LearningRate = learningRate });
        var stepper = new DragStepper(generator);
        while (!edit.Finished)
            stepper.Step([edit])[0].Dispose();
        var outcome = new ShowcaseDragOutcome(edit.Step, edit.Converged, edit.Handles[0]);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {seed}: ({handle.X},{handle.Y}) -> ({target.X},{target.Y}) {(outcome.Converged ? "converged" : "stopped")} after {outcome.Steps} steps, handle at ({outcome.Handle.X},{outcome.Handle.Y})"));

        var before = Upscale(Draw(ws), scale);
        var after = Upscale(Draw(edit.CurrentLatent()), scale);
        return (ImageCodec.Encode(Row([before, after])), outcome);
    }

    private Tensor Draw(Tensor ws)
    {
        using var noGrad = no_grad();
        using var result = generator.Synthesize(ws);
        return result.Image!.detach().clamp(-1, 1).cpu();
    }

    private static Tensor Upscale(Tensor image, int scale) =>
        scale == 1 ? image : F.interpolate(image, scale_factor: [scale, scale], mode: InterpolationMode.Bilinear, align_corners: false);

    /// <summary>[1, 3, H, W] images in [-1, 1] left to right with white gaps.</summary>
    private static Tensor Row(IReadOnlyList<Tensor> images)
    {
        var height = images[0].shape[2];
        var parts = new List<Tensor>();
        foreach (var image in images)
        {
            if (parts.Count > 0)
                parts.Add(ones([1, 3, height, Gap]));
            parts.Add(image);
        }
        return cat(parts, 3);
    }
}

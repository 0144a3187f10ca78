using System.Diagnostics;
using DragGan.Engine.Imaging;
using DragGan.Engine.Inversion;
using DragGan.Engine.Networks;
using DragGan.Faces.Detection;
using DragGan.Faces.Evaluation;
using DragGan.Faces.Rendering;
using static TorchSharp.torch;

namespace DragGan.Benchmarks;

/// <summary>
/// GAN inversion on the face domain: held-out renders (random parameters, not the generator's
/// latent map, so it never saw them) are projected with the engine's defaults (pixel loss, W+);
/// reports the PSNR of the best reconstruction and the landmark error of the inverted image (the
/// detector on the reconstruction against the renderer's true landmarks), beside the detector's
/// own error on the renders.
/// </summary>
internal static class FaceInversionBenchmark
{
    public static IEnumerable<Dictionary<string, object>> Run(StyleGan2Generator generator, LandmarkDetector detector, int faces, int steps)
    {
        var resolution = generator.Config.ImgResolution;
        var projector = new LatentProjector(generator);
        var random = new System.Random(77);
        var psnr = new List<double>();
        var inverted = new List<double>();
        var direct = new List<double>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < faces; i++)
        {
            var u = Enumerable.Range(0, FaceParameters.Count).Select(_ => random.NextSingle()).ToArray();
            var render = FaceRenderer.Render(FaceParameters.FromUnit(u), resolution);
            using var projection = projector.Start(render.Image, new InversionOptions { Steps = steps });
            while (!projection.Finished)
                projection.Step().Dispose();
            psnr.Add(projection.Best.Quality.Psnr);

            using var latent = projection.Best.ToTensor(generator.Device);
            using var image = FaceDragBenchmark.Render(generator, latent);
            using var target = ImageCodec.ToTensor(render.Image);
            var truth = render.Landmarks.ToArray();
            inverted.Add(DragQualityMetrics.MeanDistance(FaceDragBenchmark.Detect(detector, [image])[0], truth));
            direct.Add(DragQualityMetrics.MeanDistance(FaceDragBenchmark.Detect(detector, [target])[0], truth));
        }
        yield return new Dictionary<string, object>
        {
            ["suite"] = "faces-inversion",
            ["faces"] = faces,
            ["steps"] = steps,
            ["psnr_db"] = Math.Round(psnr.Average(), 2),
            ["psnr_db_min"] = Math.Round(psnr.Min(), 2),
            ["landmark_error_inverted_px"] = Math.Round(inverted.Average(), 2),
            ["landmark_error_render_px"] = Math.Round(direct.Average(), 2),
            ["seconds_per_face"] = Math.Round(clock.Elapsed.TotalSeconds / faces, 1),
        };
    }
}

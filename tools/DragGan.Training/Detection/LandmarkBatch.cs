using DragGan.Engine.Imaging;
using DragGan.Faces.Rendering;
using static TorchSharp.torch;

namespace DragGan.Training.Detection;

/// <summary>Random renders with their landmarks: the detector's training and held-out data.</summary>
internal static class LandmarkBatch
{
    /// <summary>
    /// <paramref name="count"/> faces with every parameter uniform on its range: images [N, 3, res, res]
    /// in [-1, 1] and landmarks [N, <see cref="FaceLandmarks.Count"/>, 2] in pixels.
    /// </summary>
    public static (Tensor Images, Tensor Landmarks) Render(System.Random random, int count, int resolution)
    {
        var parameters = new FaceParameters[count];
        for (var i = 0; i < count; i++)
        {
            var u = new float[FaceParameters.Count];
            for (var j = 0; j < u.Length; j++)
                u[j] = random.NextSingle();
            parameters[i] = FaceParameters.FromUnit(u);
        }
        var renders = new FaceRender[count];
        Parallel.For(0, count, i => renders[i] = FaceRenderer.Render(parameters[i], resolution));

        using var scope = NewDisposeScope();
        var images = cat(renders.Select(r => ImageCodec.ToTensor(r.Image)).ToArray(), 0);
        var points = renders.SelectMany(r => r.Landmarks).SelectMany(p => new[] { p.X, p.Y }).ToArray();
        var landmarks = tensor(points, [count, FaceLandmarks.Count, 2]);
        return (images.MoveToOuterDisposeScope(), landmarks.MoveToOuterDisposeScope());
    }
}

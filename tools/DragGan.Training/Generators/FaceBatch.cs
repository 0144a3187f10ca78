using DragGan.Engine.Imaging;
using DragGan.Faces;
using DragGan.Faces.Rendering;
using static TorchSharp.torch;

namespace DragGan.Training.Generators;

/// <summary>The renderer's images for a batch of latents: the targets of the supervised fit.</summary>
internal static class FaceBatch
{
    /// <summary>z: [N, z_dim] -> [N, 3, res, res] in [-1, 1], each the render of <see cref="FaceLatentMap.Parameters"/> of its row.</summary>
    public static Tensor Render(FaceLatentMap map, Tensor z, int resolution)
    {
        var rows = z.detach().cpu().to(ScalarType.Float32).data<float>().ToArray();
        var count = (int)z.shape[0];
        var images = new RgbImage[count];
        Parallel.For(0, count, i =>
            images[i] = FaceRenderer.Render(map.Parameters(rows.AsSpan(i * map.ZDim, map.ZDim)), resolution).Image);
        using var scope = NewDisposeScope();
        return cat(images.Select(image => ImageCodec.ToTensor(image)).ToArray(), 0).MoveToOuterDisposeScope();
    }
}

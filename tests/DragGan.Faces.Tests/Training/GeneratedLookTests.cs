using DragGan.Training.Detection;
using static TorchSharp.torch;

namespace DragGan.Faces.Tests.Training;

public sealed class GeneratedLookTests
{
    [Fact]
    public void It_keeps_each_image_in_place_and_in_range_while_softening_its_edges()
    {
        // 32 copies of a sharp vertical edge: -1 on the left half, +1 on the right.
        const int count = 32, side = 32;
        using var edge = ones(count, 3, side, side);
        edge.narrow(3, 0, side / 2).fill_(-1);

        using var degraded = GeneratedLook.Apply(edge, new System.Random(3));

        Assert.Equal(edge.shape, degraded.shape);
        Assert.True(degraded.min().item<float>() >= -1 && degraded.max().item<float>() <= 1);
        // The step across the edge (columns 15 -> 16), per image: 2 when sharp, less once blurred.
        using var step = degraded.select(3, side / 2).sub(degraded.select(3, side / 2 - 1)).mean([1, 2]);
        var softened = step.data<float>().Count(s => s < 1.5f);
        Assert.InRange(softened, count / 2, count);
        // Nothing moves: the left half stays dark and the right half light in every image.
        using var left = degraded.narrow(3, 0, side / 2 - 3).mean([1, 2, 3]);
        using var right = degraded.narrow(3, side / 2 + 3, side / 2 - 3).mean([1, 2, 3]);
        Assert.True(left.lt(-0.7).all().item<bool>() && right.gt(0.7).all().item<bool>());
    }
}

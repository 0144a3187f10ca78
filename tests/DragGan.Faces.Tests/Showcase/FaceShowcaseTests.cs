using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using DragGan.Training.Showcase;

namespace DragGan.Faces.Tests.Showcase;

/// <summary>The README's pictures of the built-in face model: a row of seeds and a drag's before | after pair.</summary>
public sealed class FaceShowcaseTests
{
    [Fact]
    public void The_seed_row_puts_each_seeds_face_side_by_side_and_the_drag_pair_shows_the_first_and_last_image()
    {
        using var checkpoint = FacesModel.CreateCheckpoint();
        using var generator = GeneratorFactory.Create(checkpoint, TorchSharp.torch.CPU);
        var log = new StringWriter();
        var showcase = new FaceShowcase(generator, log);

        var row = ImageCodec.Decode(showcase.SeedRow(3, psi: 0.7));
        Assert.Equal((3 * 128 + 2 * FaceShowcase.Gap, 128), (row.Width, row.Height));
        // The gap is white; the faces beside it differ from each other (each seed its own face).
        Assert.Equal([255, 255, 255], Pixel(row, 128, 64));
        Assert.NotEqual(Column(row, 64), Column(row, 128 + FaceShowcase.Gap + 64));

        var (png, outcome) = showcase.Drag(7, 0.7, new PixelPoint(61, 98), new PixelPoint(61, 110), maxSteps: 3, learningRate: FacesModel.DefaultLearningRate, scale: 2);
        var pair = ImageCodec.Decode(png);
        Assert.Equal((2 * 256 + FaceShowcase.Gap, 256), (pair.Width, pair.Height));
        Assert.Equal(3, outcome.Steps);
        Assert.Contains("seed 7: (61,98) -> (61,110) stopped after 3 steps", log.ToString());
        Assert.NotEqual(Column(pair, 122), Column(pair, 256 + FaceShowcase.Gap + 122));
    }

    private static byte[] Pixel(RgbImage image, int x, int y) => image.Pixels.AsSpan((y * image.Width + x) * 3, 3).ToArray();

    private static byte[] Column(RgbImage image, int x) => Enumerable.Range(0, image.Height).SelectMany(y => Pixel(image, x, y)).ToArray();
}

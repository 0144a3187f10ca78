using DragGan.Engine.Imaging;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using DragGan.Faces.Rendering;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Faces.Tests.Models;

/// <summary>The engine's built-in faces model against the renderer it was fitted to.</summary>
public sealed class FacesModelTests
{
    private const int Faces = 16;

    [Fact]
    public void Each_latent_draws_its_own_face_closer_to_its_render_than_the_average_face_is()
    {
        using var checkpoint = FacesModel.CreateCheckpoint();
        using var generator = StyleGan2Generator.Create(checkpoint);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Latents the fit never saw: its training draws come from seeded generators 17 onwards.
        var z = randn([Faces, generator.Config.ZDim], generator: new Generator(4242, CPU));
        var map = new FaceLatentMap(generator.Config.ZDim);
        var rows = z.data<float>().ToArray();
        var renders = cat(Enumerable.Range(0, Faces)
            .Select(i => ImageCodec.ToTensor(FaceRenderer.Render(map.Parameters(rows.AsSpan(i * map.ZDim, map.ZDim)), generator.Config.ImgResolution).Image))
            .ToArray(), 0);

        var images = generator.Synthesize(generator.Map(z)).Image!;
        var ownError = F.l1_loss(images, renders).item<float>();
        var averageFaceError = F.l1_loss(renders.mean([0], keepdim: true).expand_as(renders), renders).item<float>();
        // Each face against the render of another latent: the model must tell latents apart, not draw one face.
        var swappedError = F.l1_loss(images, renders.roll(1, 0)).item<float>();

        Assert.Equal(128, generator.Config.ImgResolution);
        Assert.True(ownError < 0.8 * averageFaceError, $"L1 to its own render {ownError:F3}, the average face's {averageFaceError:F3}.");
        Assert.True(ownError < 0.7 * swappedError, $"L1 to its own render {ownError:F3}, to another latent's {swappedError:F3}.");
    }
}

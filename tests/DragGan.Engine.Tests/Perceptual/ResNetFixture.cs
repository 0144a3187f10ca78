using DragGan.Engine.Perceptual;
using DragGan.Engine.Tests.Support;

namespace DragGan.Engine.Tests.Perceptual;

/// <summary>The perceptual distance loaded once from the package's files in the test output, and faces to measure.</summary>
public sealed class ResNetFixture : IDisposable
{
    public ResNetFixture()
    {
        Assert.True(ResNetFeatureFiles.Default.Exist, $"The ResNet18 ONNX files should have been copied to {ResNetFeatureFiles.Default.Directory} by the build.");
        Distance = ResNetPerceptualDistance.Load();
    }

    public ResNetPerceptualDistance Distance { get; }

    public FacesImages Faces { get; } = new();

    public void Dispose()
    {
        Distance.Dispose();
        Faces.Dispose();
    }
}

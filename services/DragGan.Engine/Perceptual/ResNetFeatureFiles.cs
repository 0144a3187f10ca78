namespace DragGan.Engine.Perceptual;

/// <summary>
/// Where the ResNet18 ONNX files are: the <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> package
/// copies its <c>DnnImageModels</c> folder into the build output of every project that references
/// the engine, so by default they sit beside the application.
/// </summary>
public sealed record ResNetFeatureFiles(string Directory)
{
    public static ResNetFeatureFiles Default { get; } = new(Path.Combine(AppContext.BaseDirectory, "DnnImageModels"));

    public string Network => Path.Combine(Directory, "ResNet18Onnx", "ResNet18.onnx");

    public string Preprocessing => Path.Combine(Directory, "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    public bool Exist => File.Exists(Network) && File.Exists(Preprocessing);
}

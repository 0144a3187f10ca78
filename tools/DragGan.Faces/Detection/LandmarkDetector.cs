using DragGan.Faces.Rendering;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Faces.Detection;

/// <summary>
/// A small CNN that finds the <see cref="FaceLandmark"/> points in a face image: the image is
/// reduced to 64x64 (area averaging), four conv-conv-pool stages (16 to 64 channels, each
/// convolution batch-normalised) bring it to 4x4, and two fully connected layers regress every
/// landmark's position as a fraction of the image side. Trained on renders (<c>draggan-train
/// detector</c>); about 0.28 M weights, a few milliseconds per image on a CPU core.
/// </summary>
public sealed class LandmarkDetector : Module<Tensor, Tensor>
{
    public const int InputResolution = 64;

    private const string BuiltInResourceName = "DragGan.Faces.Detection.landmark-detector.dat";

    private readonly Sequential features;
    private readonly Sequential hidden;
    private readonly Linear output;

    public LandmarkDetector() : base(nameof(LandmarkDetector))
    {
        features = Sequential(Stage(3, 16), Stage(16, 32), Stage(32, 64), Stage(64, 64));
        hidden = Sequential(Flatten(), Linear(64 * 4 * 4, 128), ReLU());
        output = Linear(128, 2 * FaceLandmarks.Count);
        RegisterComponents();
    }

    /// <summary>
    /// Starts the regression from a constant answer: the output bias becomes <paramref name="meanFractions"/>
    /// ([<see cref="FaceLandmarks.Count"/>, 2], landmark positions as fractions of the side) and the output
    /// weights shrink tenfold, so training refines the mean positions instead of first having to find them.
    /// </summary>
    public void StartFrom(Tensor meanFractions)
    {
        using var noGrad = no_grad();
        output.bias!.copy_(meanFractions.reshape(-1));
        output.weight.mul_(0.1);
    }

    /// <summary>images: [N, 3, H, H] in [-1, 1], any square size -> landmarks [N, <see cref="FaceLandmarks.Count"/>, 2] as (x, y) in that image's pixels.</summary>
    public override Tensor forward(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3 || images.shape[2] != images.shape[3])
            throw new ArgumentException($"Images must be [N, 3, H, H], got [{string.Join(", ", images.shape)}].", nameof(images));
        using var scope = NewDisposeScope();
        var side = images.shape[2];
        var x = side == InputResolution
            ? images
            : F.interpolate(images, [InputResolution, InputResolution], mode: InterpolationMode.Area);
        var fractions = output.forward(hidden.forward(features.forward(x))).reshape(-1, FaceLandmarks.Count, 2);
        return fractions.mul(side).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The detector with the weights that ship in this assembly (trained by <c>draggan-train detector</c>;
    /// their error on held-out renders is in bench/README.md), in eval mode.
    /// </summary>
    public static LandmarkDetector LoadBuiltIn()
    {
        using var weights = typeof(LandmarkDetector).Assembly.GetManifestResourceStream(BuiltInResourceName)
            ?? throw new InvalidOperationException($"The assembly lacks its embedded resource '{BuiltInResourceName}'.");
        return Load(weights);
    }

    /// <summary>A detector with weights saved by TorchSharp's <c>Module.save</c>, in eval mode.</summary>
    public static LandmarkDetector Load(Stream weights)
    {
        var detector = new LandmarkDetector();
        try
        {
            detector.load(weights);
            detector.eval();
            return detector;
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }

    private static Sequential Stage(int inChannels, int outChannels) => Sequential(
        Conv2d(inChannels, outChannels, 3, padding: 1, bias: false), BatchNorm2d(outChannels), ReLU(),
        Conv2d(outChannels, outChannels, 3, padding: 1, bias: false), BatchNorm2d(outChannels), ReLU(),
        MaxPool2d(2));
}

using DragGan.Faces.Rendering;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Faces.Detection;

/// <summary>
/// Finds the <see cref="FaceLandmark"/> points in a face image to a fraction of a pixel: the image
/// is reduced to 128x128 (area averaging), a small encoder-decoder (to 8x8 and back up to 32x32,
/// each coarser map projected by a 1x1 convolution and added to the finer one before a 3x3
/// convolution, as in feature pyramids; every convolution batch-normalised) draws one heatmap per landmark at a
/// quarter of the input's side, and each landmark is read out as the expectation of its softmaxed
/// heatmap over the cells' centres (integral regression, Sun et al., "Integral Human Pose
/// Regression", ECCV 2018): a differentiable readout whose answer is not bound to the 4 px cells.
/// Trained on renders (<c>draggan-train detector</c>); about 0.4 M weights.
/// </summary>
public sealed class LandmarkDetector : Module<Tensor, Tensor>
{
    public const int InputResolution = 128;

    /// <summary>Input pixels per heatmap cell: heatmaps are 32x32 for the 128 px input.</summary>
    public const int HeatmapStride = 4;

    private const string BuiltInResourceName = "DragGan.Faces.Detection.landmark-detector.dat";

    private readonly Sequential stem;
    private readonly Sequential down1;
    private readonly Sequential down2;
    private readonly Sequential lateral1;
    private readonly Sequential lateral0;
    private readonly Sequential up1;
    private readonly Sequential up0;
    private readonly Conv2d heatmaps;

    public LandmarkDetector() : base(nameof(LandmarkDetector))
    {
        stem = Sequential(Convolution(3, 16, stride: 2), Convolution(16, 32, stride: 2), Convolution(32, 32));
        down1 = Sequential(Convolution(32, 64, stride: 2), Convolution(64, 64));
        down2 = Sequential(Convolution(64, 128, stride: 2), Convolution(128, 128), Convolution(128, 128));
        lateral1 = Projection(128, 64);
        up1 = Convolution(64, 64);
        lateral0 = Projection(64, 32);
        up0 = Convolution(32, 32);
        heatmaps = Conv2d(32, FaceLandmarks.Count, 1);
        RegisterComponents();
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
            : F.interpolate(images, [InputResolution, InputResolution], mode: side > InputResolution ? InterpolationMode.Area : InterpolationMode.Bilinear);

        var s0 = stem.forward(x);
        var s1 = down1.forward(s0);
        var s2 = down2.forward(s1);
        var u1 = up1.forward(Upsample(lateral1.forward(s2)).add(s1));
        var u0 = up0.forward(Upsample(lateral0.forward(u1)).add(s0));
        var points = Readout(heatmaps.forward(u0));
        return points.mul((double)side / InputResolution).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// logits [N, L, h, w] -> the expected (x, y) of each landmark's softmax over the cells, in input
    /// pixels: cell j covers pixels [j s, (j + 1) s), so its centre is at (j + 0.5) s.
    /// </summary>
    private static Tensor Readout(Tensor logits)
    {
        var (n, count, height, width) = (logits.shape[0], logits.shape[1], logits.shape[2], logits.shape[3]);
        var probabilities = logits.flatten(2).softmax(-1).view(n, count, height, width);
        var columns = arange(width, dtype: probabilities.dtype, device: probabilities.device).add(0.5).mul(HeatmapStride);
        var rows = arange(height, dtype: probabilities.dtype, device: probabilities.device).add(0.5).mul(HeatmapStride);
        var x = probabilities.sum(2).mul(columns).sum(-1);
        var y = probabilities.sum(3).mul(rows).sum(-1);
        return stack([x, y], -1);
    }

    private static Tensor Upsample(Tensor x) =>
        F.interpolate(x, scale_factor: [2, 2], mode: InterpolationMode.Bilinear, align_corners: false);

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

    private static Sequential Convolution(int inChannels, int outChannels, int stride = 1) => Sequential(
        Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false), BatchNorm2d(outChannels), ReLU());

    private static Sequential Projection(int inChannels, int outChannels) => Sequential(
        Conv2d(inChannels, outChannels, 1, bias: false), BatchNorm2d(outChannels));
}

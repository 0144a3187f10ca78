using DragGan.Engine.Inversion;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Perceptual;

/// <summary>
/// An LPIPS-style distance over ImageNet ResNet18 features: Zhang et al. 2018 (LPIPS), eq. 1,
/// d(x, x0) = sum_l 1/(H_l W_l) sum_hw || w_l (y_hw^l - y0_hw^l) ||^2 with y^l the activations of
/// layer l unit-normalised over channels, here without learned weights (w_l = 1) and averaged
/// rather than summed over the five <see cref="ResNet18.Stages"/>, so it lies in [0, 2] (ReLU
/// activations are non-negative unit vectors). Images in the generator's [-1, 1] RGB are mapped
/// to 0-255, resized to 224 px (bilinear up, area down) and preprocessed as the package does
/// (BGR, mean image). Differentiable in both images; safe for concurrent use.
/// </summary>
public sealed class ResNetPerceptualDistance : IPerceptualDistance, IDisposable
{
    /// <summary>LPIPS's <c>normalize_tensor</c> epsilon: keeps all-zero activations finite.</summary>
    private const double NormEpsilon = 1e-10;

    private readonly ResNet18 _network;
    private readonly ResNetPreprocessing _preprocessing;

    public ResNetPerceptualDistance(ResNet18 network, ResNetPreprocessing preprocessing)
    {
        _network = network;
        _preprocessing = preprocessing;
    }

    /// <summary>Reads both ONNX files (by default from beside the application) onto <paramref name="device"/>.</summary>
    public static ResNetPerceptualDistance Load(ResNetFeatureFiles? files = null, Device? device = null)
    {
        files ??= ResNetFeatureFiles.Default;
        var preprocessing = ResNetPreprocessing.Read(files.Preprocessing, device);
        try
        {
            return new ResNetPerceptualDistance(ResNet18GraphReader.Read(files.Network, device), preprocessing);
        }
        catch
        {
            preprocessing.Dispose();
            throw;
        }
    }

    public ResNet18 Network => _network;

    /// <summary>[N, 3, H, W] in [-1, 1] RGB -> the network's input [N, 3, 224, 224].</summary>
    public Tensor NetworkInput(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"images must be [N, 3, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        var rgb255 = images.to(ScalarType.Float32).add(1).mul(127.5);
        var size = ResNet18.InputSize;
        if (rgb255.shape[2] != size || rgb255.shape[3] != size)
        {
            var upsampling = rgb255.shape[2] < size;
            rgb255 = F.interpolate(rgb255, [size, size], mode: upsampling ? InterpolationMode.Bilinear : InterpolationMode.Area, align_corners: upsampling ? false : null);
        }
        return _preprocessing.Apply(rgb255);
    }

    /// <summary>The unit-normalised stage activations of <paramref name="images"/> ([N, 3, H, W] in [-1, 1]).</summary>
    public Tensor[] Features(Tensor images) =>
        _network.Stages(NetworkInput(images)).Select(Normalize).ToArray();

    /// <summary>The distance of each pair, [N]; both [N, 3, H, W] in [-1, 1]. Call inside a dispose scope.</summary>
    public Tensor Distance(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"Images must have the same shape, got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].", nameof(b));
        return Between(Features(a), Features(b));
    }

    public IPerceptualTarget Prepare(Tensor target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var features = Features(target).Select(f => f.detach().MoveToOuterDisposeScope()).ToArray();
        return new PreparedTarget(this, features);
    }

    /// <summary>Per-sample distance between two sets of normalised features.</summary>
    private static Tensor Between(Tensor[] a, Tensor[] b)
    {
        var stages = a.Zip(b, (x, y) => x.sub(y).square().sum(1).mean([1, 2]));
        return stack(stages.ToArray()).mean([0]);
    }

    private static Tensor Normalize(Tensor activations) =>
        activations.div(activations.square().sum(1, keepdim: true).sqrt().add(NormEpsilon));

    public void Dispose()
    {
        _network.Dispose();
        _preprocessing.Dispose();
    }

    private sealed class PreparedTarget(ResNetPerceptualDistance owner, Tensor[] features) : IPerceptualTarget
    {
        public Tensor DistanceTo(Tensor image)
        {
            var own = owner.Features(image);
            var target = own[0].shape[0] == features[0].shape[0] ? features : features.Select(f => f.expand(own[0].shape[0], -1, -1, -1)).ToArray();
            return Between(own, target).mean();
        }

        public void Dispose()
        {
            foreach (var feature in features)
                feature.Dispose();
        }
    }
}

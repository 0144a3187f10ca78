using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Networks.StyleGan3;

/// <summary>
/// The Fourier-feature input of StyleGAN3 (Karras et al. 2021, section 3.1), matching stylegan3
/// <c>training/networks_stylegan3.py</c> <c>SynthesisInput.forward</c>: w's affine gives a rotation
/// and translation (normalised by the rotation's norm), which turns the fixed frequencies and shifts
/// the phases; sinusoids sampled on the layer's grid (<c>affine_grid</c> spanning size / sampling_rate),
/// damped where a frequency leaves the band, mixed by the trainable channel matrix.
/// </summary>
/// <remarks>
/// The user transform is the identity: both official tools (the DragGAN renderer and
/// <c>gen_images.py</c>) overwrite the stored <c>transform</c> buffer with <c>inv(identity)</c> before
/// rendering, so the checkpoint's value never reaches an image.
/// </remarks>
internal sealed class FourierFeatureInput : IDisposable
{
    private readonly FullyConnectedLayer _affine;
    private readonly Tensor _mixing;    // weight / sqrt(channels), transposed: [C, C]
    private readonly Tensor _freqs;     // [1, C, 2]
    private readonly Tensor _phases;    // [1, C]
    private readonly Tensor _grid;      // [1, H, W, 2]
    private readonly SynthesisInputSpec _spec;

    public FourierFeatureInput(NamedTensors source, string name, SynthesisInputSpec spec)
    {
        _spec = spec;
        _affine = new FullyConnectedLayer(source, $"{name}.affine");
        using var scope = NewDisposeScope();
        _mixing = source.Take($"{name}.weight").div(Math.Sqrt(spec.Channels)).t().DetachFromDisposeScope();
        _freqs = source.Take($"{name}.freqs").unsqueeze(0).DetachFromDisposeScope();
        _phases = source.Take($"{name}.phases").unsqueeze(0).DetachFromDisposeScope();

        var theta = torch.eye(2, 3, device: source.Device);
        theta[0, 0] = torch.tensor((float)(0.5 * spec.Size / spec.SamplingRate));
        theta[1, 1] = torch.tensor((float)(0.5 * spec.Size / spec.SamplingRate));
        _grid = F.affine_grid(theta.unsqueeze(0), [1, 1, spec.Size, spec.Size], align_corners: false).DetachFromDisposeScope();
    }

    /// <summary>w: [N, w_dim] -> [N, C, size, size]. Call inside a dispose scope.</summary>
    public Tensor Forward(Tensor w)
    {
        var batch = w.shape[0];
        var t = _affine.Forward(w); // (r_c, r_s, t_x, t_y)
        t = t.div(t.narrow(1, 0, 2).norm(1, keepdim: true));
        var (cos, sin, tx, ty) = (t[.., 0], t[.., 1], t[.., 2], t[.., 3]);
        var zeros = torch.zeros_like(cos);
        var ones = torch.ones_like(cos);
        // Inverse rotation, then inverse translation, with respect to the resulting image.
        var rotation = torch.stack([cos, sin.neg(), zeros, sin, cos, zeros, zeros, zeros, ones], 1).reshape(batch, 3, 3);
        var translation = torch.stack([ones, zeros, tx.neg(), zeros, ones, ty.neg(), zeros, zeros, ones], 1).reshape(batch, 3, 3);
        var transforms = rotation.bmm(translation);

        var phases = _phases.add(_freqs.matmul(transforms.narrow(1, 0, 2).narrow(2, 2, 1)).squeeze(2)); // [N, C]
        var freqs = _freqs.matmul(transforms.narrow(1, 0, 2).narrow(2, 0, 2));                            // [N, C, 2]
        var amplitudes = freqs.norm(2, keepdim: false).sub(_spec.Bandwidth)
            .div(_spec.SamplingRate / 2 - _spec.Bandwidth).neg().add(1).clamp(0, 1);

        var x = _grid.unsqueeze(3).matmul(freqs.permute(0, 2, 1).unsqueeze(1).unsqueeze(2)).squeeze(3); // [N, H, W, C]
        x = x.add(phases.unsqueeze(1).unsqueeze(2));
        x = x.mul(Math.PI * 2).sin();
        x = x.mul(amplitudes.unsqueeze(1).unsqueeze(2));
        x = x.matmul(_mixing);
        return x.permute(0, 3, 1, 2);
    }

    public void Dispose()
    {
        _affine.Dispose();
        _mixing.Dispose();
        _freqs.Dispose();
        _phases.Dispose();
        _grid.Dispose();
    }
}

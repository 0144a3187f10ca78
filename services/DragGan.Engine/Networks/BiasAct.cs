using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Networks;

/// <summary>The reference's <c>bias_act</c> for NCHW maps: add bias, activate, multiply by gain, clamp.</summary>
internal static class BiasAct
{
    public const double LeakyReluSlope = 0.2;
    public static readonly double LeakyReluGain = Math.Sqrt(2);

    public static Tensor LeakyRelu(Tensor x, Tensor bias, double gain, double? clamp)
    {
        var y = F.leaky_relu(x.add(bias.to(x.dtype).reshape(1, -1, 1, 1)), LeakyReluSlope).mul(gain);
        return clamp is { } c ? y.clamp(-c, c) : y;
    }

    public static Tensor Linear(Tensor x, Tensor bias, double? clamp)
    {
        var y = x.add(bias.to(x.dtype).reshape(1, -1, 1, 1));
        return clamp is { } c ? y.clamp(-c, c) : y;
    }
}

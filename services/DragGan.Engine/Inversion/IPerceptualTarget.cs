using static TorchSharp.torch;

namespace DragGan.Engine.Inversion;

/// <summary>One target prepared by an <see cref="IPerceptualDistance"/>; the projection disposes it.</summary>
public interface IPerceptualTarget : IDisposable
{
    /// <summary>
    /// The distance of <paramref name="image"/> ([1, 3, R, R] in [-1, 1], part of the autograd
    /// graph) to the target: a differentiable scalar, called inside the step's dispose scope.
    /// </summary>
    Tensor DistanceTo(Tensor image);
}

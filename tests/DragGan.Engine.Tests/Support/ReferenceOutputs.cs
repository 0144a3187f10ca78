using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Support;

/// <summary>
/// Comparisons with the official code's outputs stored beside each fixture checkpoint (seed 42,
/// psi 0.7, noise_mode const, float32 on CPU; see each fixture's README).
/// </summary>
internal static class ReferenceOutputs
{
    /// <summary>The mapping network's ws: a few layers of float32 arithmetic.</summary>
    public const double LatentTolerance = 1e-4;

    /// <summary>Images and features: the whole synthesis network in float32, summed in another order.</summary>
    public const double SynthesisTolerance = 1e-3;

    /// <summary>Seed 42's z drawn as the reference draws it (<c>np.random.RandomState(42).randn</c>), mapped at psi 0.7.</summary>
    public static Tensor MapSeed42(ImageGenerator generator) => generator.MapSeed(42, psi: 0.7);

    /// <summary>Asserts that <paramref name="actual"/> has the stored array's shape and is within <paramref name="tolerance"/> of it everywhere; returns the largest difference.</summary>
    public static double AssertClose(Tensor actual, string referencePath, double tolerance)
    {
        var expected = Npy.ReadFloat32(referencePath);
        Assert.Equal(expected.shape, actual.shape);
        var difference = MaxAbsDifference(actual, expected);
        Assert.True(difference <= tolerance, $"max |actual - {Path.GetFileName(referencePath)}| = {difference}, above {tolerance}");
        return difference;
    }

    public static double MaxAbsDifference(Tensor a, Tensor b) => a.sub(b).abs().max().item<float>();
}

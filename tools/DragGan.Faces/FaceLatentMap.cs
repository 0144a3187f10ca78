using DragGan.Faces.Rendering;

namespace DragGan.Faces;

/// <summary>
/// The fixed random map from a generator's latent z to face parameters that the face generator is
/// trained to reproduce: u = Phi(A z / rms(z)), where A is a seeded matrix with orthonormal rows
/// ([<see cref="FaceParameters.Count"/>, z_dim]) and Phi the standard normal CDF. The mapping
/// network normalises z the same way before its first layer, so the map depends only on what the
/// generator sees; each u is uniform on [0, 1] for z ~ N(0, I).
/// </summary>
public sealed class FaceLatentMap
{
    /// <summary>Seed of the projection of the trained face model; the model is tied to it.</summary>
    public const int DefaultSeed = 1616;

    private readonly double[,] _projection;

    public FaceLatentMap(int zDim, int seed = DefaultSeed)
    {
        if (zDim < FaceParameters.Count)
            throw new ArgumentOutOfRangeException(nameof(zDim), zDim, $"z_dim must be at least {FaceParameters.Count}, one direction per face parameter.");
        ZDim = zDim;
        _projection = OrthonormalRows(FaceParameters.Count, zDim, seed);
    }

    public int ZDim { get; }

    /// <summary>The parameters' unit values (each in [0, 1]) for one latent.</summary>
    public float[] UnitValues(ReadOnlySpan<float> z)
    {
        if (z.Length != ZDim)
            throw new ArgumentException($"z must have {ZDim} values, got {z.Length}.", nameof(z));
        var meanSquare = 0.0;
        foreach (var v in z)
            meanSquare += (double)v * v;
        var scale = 1 / Math.Sqrt(meanSquare / ZDim + 1e-8);

        var u = new float[FaceParameters.Count];
        for (var i = 0; i < u.Length; i++)
        {
            var dot = 0.0;
            for (var j = 0; j < ZDim; j++)
                dot += _projection[i, j] * z[j];
            u[i] = (float)StandardNormal.Cdf(dot * scale);
        }
        return u;
    }

    public FaceParameters Parameters(ReadOnlySpan<float> z) => FaceParameters.FromUnit(UnitValues(z));

    /// <summary>Gaussian rows made orthonormal by Gram-Schmidt; System.Random with a seed is the same on every run and platform.</summary>
    private static double[,] OrthonormalRows(int rows, int columns, int seed)
    {
        var random = new System.Random(seed);
        var a = new double[rows, columns];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
                a[i, j] = StandardNormal.Sample(random);
            for (var k = 0; k < i; k++)
            {
                var dot = 0.0;
                for (var j = 0; j < columns; j++)
                    dot += a[i, j] * a[k, j];
                for (var j = 0; j < columns; j++)
                    a[i, j] -= dot * a[k, j];
            }
            var norm = 0.0;
            for (var j = 0; j < columns; j++)
                norm += a[i, j] * a[i, j];
            norm = Math.Sqrt(norm);
            for (var j = 0; j < columns; j++)
                a[i, j] /= norm;
        }
        return a;
    }
}

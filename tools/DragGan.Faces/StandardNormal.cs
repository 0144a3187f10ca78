namespace DragGan.Faces;

/// <summary>The standard normal distribution's CDF and samples.</summary>
internal static class StandardNormal
{
    /// <summary>Phi(x) = (1 + erf(x / sqrt 2)) / 2, with erf after Abramowitz and Stegun 7.1.26 (error below 1.5e-7).</summary>
    public static double Cdf(double x)
    {
        var t = Math.Abs(x) / Math.Sqrt(2);
        var k = 1 / (1 + 0.3275911 * t);
        var poly = k * (0.254829592 + k * (-0.284496736 + k * (1.421413741 + k * (-1.453152027 + k * 1.061405429))));
        var erf = 1 - poly * Math.Exp(-t * t);
        return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
    }

    /// <summary>One N(0, 1) draw (Box-Muller).</summary>
    public static double Sample(System.Random random)
    {
        var u1 = 1 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

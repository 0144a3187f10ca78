using DragGan.Faces.Rendering;

namespace DragGan.Faces.Tests;

public sealed class FaceLatentMapTests
{
    [Fact]
    public void Unit_values_are_uniform_for_normal_latents()
    {
        var map = new FaceLatentMap(64);
        var random = new Random(1);
        var values = new List<float>();
        for (var n = 0; n < 2000; n++)
            values.AddRange(map.UnitValues(Gaussian(random, 64)));

        Assert.All(values, v => Assert.InRange(v, 0f, 1f));
        var mean = values.Average();
        var variance = values.Average(v => (v - mean) * (v - mean));
        Assert.Equal(0.5, mean, 0.01);
        Assert.Equal(1.0 / 12, variance, 0.005); // the variance of U(0, 1)
    }

    [Fact]
    public void The_map_reads_only_the_direction_of_z_and_is_fixed_by_its_seed()
    {
        var z = Gaussian(new Random(2), 64);
        var scaled = z.Select(v => v * 1.7f).ToArray();
        var map = new FaceLatentMap(64);

        Assert.Equal(map.UnitValues(z), map.UnitValues(scaled), (a, b) => Math.Abs(a - b) < 1e-5f);
        Assert.Equal(map.UnitValues(z), new FaceLatentMap(64).UnitValues(z));
        Assert.NotEqual(map.UnitValues(z), new FaceLatentMap(64, seed: 5).UnitValues(z));
    }

    [Fact]
    public void A_latent_too_short_for_the_parameters_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FaceLatentMap(FaceParameters.Count - 1));
        Assert.Contains("z_dim", error.Message);
    }

    internal static float[] Gaussian(Random random, int length) =>
        [.. Enumerable.Range(0, length).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))];
}

using System.Security.Cryptography;
using DragGan.Engine.Random;

namespace DragGan.Engine.Tests.Random;

// Reference values were produced once with NumPy 1.24.2 (Debian python3, glibc libm) and are
// embedded here because CI has no NumPy. Each constant block names the command that printed it.
// Doubles are written with Python's repr (shortest round-trip form), so C# parses them back to
// the identical bits and the comparisons below are exact.
public class LegacyNumpyRandomTests
{
    // python3 -c "import numpy as np; print(np.random.RandomState(S)._bit_generator.random_raw(4).tolist())"
    [Theory]
    [InlineData(0L, new uint[] { 2357136044u, 2546248239u, 3071714933u, 3626093760u })]
    [InlineData(42L, new uint[] { 1608637542u, 3421126067u, 4083286876u, 787846414u })]
    // 5489 is the reference MT19937 default seed; 3499211612 is its well-known first output.
    [InlineData(5489L, new uint[] { 3499211612u, 581869302u, 3890346734u, 3586334585u })]
    public void NextUInt32_matches_numpy_raw_output(long seed, uint[] expected)
    {
        var rng = new LegacyNumpyRandom(seed);
        var actual = new uint[expected.Length];
        for (int i = 0; i < actual.Length; i++)
        {
            actual[i] = rng.NextUInt32();
        }

        Assert.Equal(expected, actual);
    }

    // python3 -c "import numpy as np; print([repr(float(v)) for v in np.random.RandomState(S).random_sample(3)])"
    [Theory]
    [InlineData(0L, new[] { 0.5488135039273248, 0.7151893663724195, 0.6027633760716439 })]
    [InlineData(42L, new[] { 0.3745401188473625, 0.9507143064099162, 0.7319939418114051 })]
    [InlineData(4294967295L, new[] { 0.0976320289940138, 0.9123828453026218, 0.78903530185164 })]
    public void NextDouble_matches_numpy_random_sample(long seed, double[] expected)
    {
        var rng = new LegacyNumpyRandom(seed);
        foreach (double value in expected)
        {
            AssertBitEqual(value, rng.NextDouble());
        }
    }

    // python3 -c "import numpy as np; print([repr(float(v)) for v in np.random.RandomState(S).randn(8)])"
    [Theory]
    [InlineData(0L, new[]
    {
        1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458,
        1.8675579901499675, -0.977277879876411, 0.9500884175255894, -0.1513572082976979,
    })]
    [InlineData(42L, new[]
    {
        0.4967141530112327, -0.13826430117118466, 0.6476885381006925, 1.5230298564080254,
        -0.23415337472333597, -0.23413695694918055, 1.5792128155073915, 0.7674347291529088,
    })]
    [InlineData(123456789L, new[]
    {
        2.2129019979039612, 2.128397797652002, 1.8417114045748335, 0.08238247951406152,
        0.858963679564603, -0.8260164271334273, 1.1572705185893468, 1.3759151378258088,
    })]
    [InlineData(4294967295L, new[]
    {
        0.6484086742306527, 0.6693235306338161, -1.0805437227474493, 0.2845010447986309,
        0.11388773652167104, 0.8676218937929382, -0.044026015448043285, 0.24877161740907913,
    })]
    public void StandardNormal_matches_numpy_randn(long seed, double[] expected)
    {
        var rng = new LegacyNumpyRandom(seed);
        foreach (double value in expected)
        {
            AssertBitEqual(value, rng.StandardNormal());
        }

        // The array helper walks the same stream.
        double[] batch = new LegacyNumpyRandom(seed).RandnDouble(expected.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertBitEqual(expected[i], batch[i]);
        }
    }

    // The cached second value of a Box-Muller pair survives an intervening uniform draw:
    // python3 -c "import numpy as np; rs=np.random.RandomState(42); \
    //   a=rs.randn(); u=rs.random_sample(); b=rs.randn(); c=rs.randn(); print(repr(a), repr(u), repr(b), repr(c))"
    [Fact]
    public void Cached_gauss_is_kept_across_uniform_draws()
    {
        var rng = new LegacyNumpyRandom(42);
        AssertBitEqual(0.4967141530112327, rng.StandardNormal());
        AssertBitEqual(0.7319939418114051, rng.NextDouble());
        AssertBitEqual(-0.13826430117118466, rng.StandardNormal());
        AssertBitEqual(-1.1118801180469204, rng.StandardNormal());
    }

    // Full-length checks over randn(1, 512): this spans two state regenerations and dozens of
    // rejected Box-Muller pairs, so any slip in seeding, tempering, the 53-bit double or the
    // rejection loop changes the digest.
    //
    // python3 -c "import numpy as np, hashlib; z=np.random.RandomState(S).randn(1,512); \
    //   print(hashlib.sha256(z.astype('<f8').tobytes()).hexdigest())"
    [Theory]
    [InlineData(42L, "01b571d23fb6ced34030281ceb2660e13ca23fd405eed39557260faab47aa1ea")]
    [InlineData(0L, "fd1828168ed9b368a86f9463121eb901eca05a744e0df08a016a2c89a08585b8")]
    public void Randn_512_float64_digest_matches_numpy(long seed, string expectedSha256)
    {
        double[] z = new LegacyNumpyRandom(seed).RandnDouble(512);
        byte[] bytes = new byte[z.Length * sizeof(double)];
        for (int i = 0; i < z.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * sizeof(double)), z[i]);
        }

        Assert.True(BitConverter.IsLittleEndian);
        Assert.Equal(expectedSha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    // python3 -c "import numpy as np; z=np.random.RandomState(42).randn(1,512); \
    //   print(repr(sum(z.ravel().tolist()))); print([repr(float(z[0,i])) for i in (0,1,255,256,310,311,312,313,510,511)])"
    // (sum(list) is Python's left-to-right float64 sum, not numpy's pairwise z.sum() = 2.262630726256273.)
    [Fact]
    public void Randn_512_seed42_sum_and_indices_match_numpy()
    {
        double[] z = new LegacyNumpyRandom(42).RandnDouble(512);

        double sum = 0.0;
        foreach (double v in z)
        {
            sum += v;
        }

        AssertBitEqual(2.2626307262562633, sum);

        (int Index, double Value)[] expected =
        [
            (0, 0.4967141530112327),
            (1, -0.13826430117118466),
            (255, -0.48423407286625136),
            (256, 1.2669111491866227),
            (310, -0.2176812032272203),
            (311, 1.09877685198719),
            (312, 0.8254163489880298),
            (313, 0.8135096360006385),
            (510, 0.2704568257798388),
            (511, -0.05023810944913695),
        ];
        foreach (var (index, value) in expected)
        {
            AssertBitEqual(value, z[index]);
        }
    }

    // float32 view, as torch.from_numpy(np.random.RandomState(S).randn(1, 512)).float() gives
    // (torch's double->float cast rounds to nearest even, the same as numpy's astype(float32)):
    // python3 -c "import numpy as np, hashlib; z=np.random.RandomState(S).randn(1,512).astype(np.float32); \
    //   print(hashlib.sha256(z.astype('<f4').tobytes()).hexdigest()); print([hex(z[0,i].view(np.uint32)) for i in (0,1,311,511)])"
    [Theory]
    [InlineData(42L, "81475509c7569d0d23c5668631cb4929a233bd5a2f6344ee4a896546350943cf")]
    [InlineData(4294967295L, "0555a388407f661d62ec6aeb6533f5efa8f0fc6a068f8a35d0ee0ea8ff2b108e")]
    public void LatentZ_matches_numpy_randn_cast_to_float32(long seed, string expectedSha256)
    {
        float[] z = LegacyNumpyRandom.LatentZ(seed, 512);
        Assert.Equal(512, z.Length);

        byte[] bytes = new byte[z.Length * sizeof(float)];
        for (int i = 0; i < z.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * sizeof(float)), z[i]);
        }

        Assert.Equal(expectedSha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public void LatentZ_seed42_float32_bits_at_selected_indices()
    {
        float[] z = LegacyNumpyRandom.LatentZ(42, 512);
        Assert.Equal(0x3efe5151u, BitConverter.SingleToUInt32Bits(z[0]));
        Assert.Equal(0xbe0d9528u, BitConverter.SingleToUInt32Bits(z[1]));
        Assert.Equal(0x3f8ca4b8u, BitConverter.SingleToUInt32Bits(z[311]));
        Assert.Equal(0xbd4dc67au, BitConverter.SingleToUInt32Bits(z[511]));

        // And the instance helper gives the same thing.
        Assert.Equal(z, new LegacyNumpyRandom(42).Randn(512));
    }

    [Fact]
    public void Same_seed_gives_same_stream_and_randn_is_a_prefix()
    {
        float[] shortRun = LegacyNumpyRandom.LatentZ(7, 3);
        float[] longRun = LegacyNumpyRandom.LatentZ(7, 512);
        Assert.Equal(shortRun, longRun[..3]);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(4294967296L)]
    [InlineData(long.MaxValue)]
    public void Out_of_range_seed_is_rejected(long seed)
    {
        var ctor = Assert.Throws<ArgumentOutOfRangeException>(() => new LegacyNumpyRandom(seed));
        Assert.Equal("seed", ctor.ParamName);

        var latent = Assert.Throws<ArgumentOutOfRangeException>(() => LegacyNumpyRandom.LatentZ(seed, 512));
        Assert.Equal("seed", latent.ParamName);
    }

    [Fact]
    public void Boundary_seeds_are_accepted()
    {
        _ = new LegacyNumpyRandom(0);
        _ = new LegacyNumpyRandom(LegacyNumpyRandom.MaxSeed);
        Assert.Equal(4294967295L, LegacyNumpyRandom.MaxSeed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Non_positive_zDim_is_rejected(int zDim)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => LegacyNumpyRandom.LatentZ(0, zDim));
        Assert.Equal("zDim", ex.ParamName);
    }

    [Fact]
    public void Negative_count_is_rejected_and_zero_count_is_empty()
    {
        var rng = new LegacyNumpyRandom(0);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => rng.Randn(-1)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => rng.RandnDouble(-1)).ParamName);
        Assert.Empty(rng.Randn(0));
        Assert.Empty(rng.RandnDouble(0));
    }

    private static void AssertBitEqual(double expected, double actual)
    {
        Assert.True(
            BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual),
            $"expected {expected:R} but got {actual:R}");
    }
}

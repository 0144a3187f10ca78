namespace DragGan.Engine.Random;

/// <summary>
/// A bit-exact port of NumPy's legacy <c>numpy.random.RandomState</c> for the parts the
/// StyleGAN2 / DragGAN reference uses to turn a seed into a latent:
/// <c>np.random.RandomState(seed).randn(1, z_dim)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Seeding: an integer seed in [0, 2^32-1] takes the legacy path
/// (<c>MT19937._legacy_seeding</c> → <c>mt19937_seed</c>), which fills the 624-word state with
/// Knuth's recurrence <c>key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >> 30)) + i</c>, i.e. the
/// reference <c>init_genrand</c>. It does not go through <c>init_by_array</c> or SeedSequence.
/// </para>
/// <para>
/// Uniforms: <c>random_sample</c> takes two tempered 32-bit outputs a, b and returns
/// <c>((a >> 5) * 2^26 + (b >> 6)) / 2^53</c>.
/// </para>
/// <para>
/// Normals: <c>randn</c> / <c>standard_normal</c> use <c>legacy_gauss</c>, the polar Box-Muller
/// method. Each accepted pair (x1, x2) yields <c>f * x2</c> now and caches <c>f * x1</c> for the
/// next normal draw; uniform draws in between do not disturb that cache.
/// </para>
/// <para>
/// The only floating-point library calls are <see cref="Math.Log(double)"/> and
/// <see cref="Math.Sqrt(double)"/>. Sqrt is correctly rounded everywhere; Log on Linux goes to
/// glibc's <c>log</c>, the same routine NumPy calls there, so results agree bit for bit (checked
/// against NumPy by the tests). Instances are not thread-safe.
/// </para>
/// </remarks>
public sealed class LegacyNumpyRandom
{
    /// <summary>Largest seed <c>RandomState(int)</c> accepts.</summary>
    public const long MaxSeed = uint.MaxValue;

    private const int StateLength = 624;
    private const int Shift = 397;
    private const uint MatrixA = 0x9908B0DFu;
    private const uint UpperMask = 0x80000000u;
    private const uint LowerMask = 0x7FFFFFFFu;

    private readonly uint[] _key = new uint[StateLength];
    private int _pos;
    private bool _hasGauss;
    private double _gauss;

    /// <summary>Seeds the generator exactly as <c>numpy.random.RandomState(seed)</c> does.</summary>
    /// <param name="seed">An integer in [0, 2^32-1].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seed"/> is negative or above 2^32-1.</exception>
    public LegacyNumpyRandom(long seed)
    {
        ValidateSeed(seed);
        uint s = (uint)seed;
        for (int i = 0; i < StateLength; i++)
        {
            _key[i] = s;
            s = unchecked(1812433253u * (s ^ (s >> 30)) + (uint)(i + 1));
        }

        _pos = StateLength;
        _hasGauss = false;
        _gauss = 0.0;
    }

    /// <summary>
    /// The next tempered 32-bit MT19937 output (what <c>RandomState(seed)._bit_generator.random_raw()</c> returns).
    /// </summary>
    public uint NextUInt32()
    {
        if (_pos == StateLength)
        {
            Regenerate();
        }

        uint y = _key[_pos++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C5680u;
        y ^= (y << 15) & 0xEFC60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>
    /// A double in [0, 1) with 53 random bits, equal to NumPy's <c>random_sample()</c>.
    /// </summary>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5;
        uint b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /// <summary>
    /// A standard normal draw equal to NumPy's legacy <c>standard_normal()</c> / one element of <c>randn</c>.
    /// </summary>
    public double StandardNormal()
    {
        if (_hasGauss)
        {
            double cached = _gauss;
            _hasGauss = false;
            _gauss = 0.0;
            return cached;
        }

        double x1, x2, r2;
        do
        {
            x1 = 2.0 * NextDouble() - 1.0;
            x2 = 2.0 * NextDouble() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        }
        while (r2 >= 1.0 || r2 == 0.0);

        double f = Math.Sqrt(-2.0 * Math.Log(r2) / r2);
        _gauss = f * x1;
        _hasGauss = true;
        return f * x2;
    }

    /// <summary>
    /// <paramref name="count"/> standard normal draws in float64, equal to <c>randn(count)</c>
    /// (and to <c>randn(1, count)</c> flattened).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public double[] RandnDouble(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var values = new double[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = StandardNormal();
        }

        return values;
    }

    /// <summary>
    /// <paramref name="count"/> standard normal draws, each drawn in float64 and then rounded to
    /// float32 (round to nearest even), as <c>torch.from_numpy(rs.randn(count)).float()</c> gives.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public float[] Randn(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)StandardNormal();
        }

        return values;
    }

    /// <summary>
    /// The reference latent for a seed:
    /// <c>torch.from_numpy(np.random.RandomState(seed).randn(1, zDim)).float()</c>, flattened.
    /// </summary>
    /// <param name="seed">An integer in [0, 2^32-1].</param>
    /// <param name="zDim">Latent width (512 for the released generators); must be positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="seed"/> is outside [0, 2^32-1], or <paramref name="zDim"/> is not positive.
    /// </exception>
    public static float[] LatentZ(long seed, int zDim)
    {
        ValidateSeed(seed);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(zDim);
        return new LegacyNumpyRandom(seed).Randn(zDim);
    }

    private static void ValidateSeed(long seed)
    {
        if (seed < 0 || seed > MaxSeed)
        {
            throw new ArgumentOutOfRangeException(nameof(seed), seed, "Seed must be between 0 and 2**32 - 1.");
        }
    }

    private void Regenerate()
    {
        uint[] key = _key;
        int i = 0;
        for (; i < StateLength - Shift; i++)
        {
            key[i] = key[i + Shift] ^ Twist(key[i], key[i + 1]);
        }

        for (; i < StateLength - 1; i++)
        {
            key[i] = key[i + Shift - StateLength] ^ Twist(key[i], key[i + 1]);
        }

        key[StateLength - 1] = key[Shift - 1] ^ Twist(key[StateLength - 1], key[0]);
        _pos = 0;
    }

    private static uint Twist(uint current, uint next)
    {
        uint y = (current & UpperMask) | (next & LowerMask);
        return (y >> 1) ^ ((y & 1u) != 0 ? MatrixA : 0u);
    }
}

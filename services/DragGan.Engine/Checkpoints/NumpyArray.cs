using static TorchSharp.torch;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// A pickled <c>numpy.ndarray</c> of float32: <c>numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')</c>,
/// then BUILD with <c>(version, shape, dtype, is_fortran, raw bytes)</c>, as TF-era StyleGAN2 pickles
/// hold their variables. Nothing is allocated beyond the bytes that are there: the shape must
/// account for exactly the raw data.
/// </summary>
internal sealed class NumpyArray
{
    private const int MaxRank = 8;

    private byte[] _data = [];

    public long[] Shape { get; private set; } = [0];

    /// <summary>BUILD state: <c>(version, shape, dtype, is_fortran, raw bytes)</c>.</summary>
    public void __setstate__(object[] state)
    {
        if (state.Length != 5)
            throw new CheckpointFormatException($"a numpy array's state has {state.Length} items, expected 5 (version, shape, dtype, is_fortran, data).");
        var shape = PythonValues.ToInt64Array(state[1], "numpy array shape");
        if (shape.Length > MaxRank || shape.Any(d => d < 0))
            throw new CheckpointFormatException($"numpy array shape [{string.Join(", ", shape)}] is not a valid shape of at most {MaxRank} dimensions.");
        if (state[2] is not NumpyDtype { Code: "f4" } dtype || dtype.ByteOrder is not ('<' or '='))
            throw new CheckpointFormatException($"a numpy array has dtype {Describe(state[2])}; TF-era network variables are little-endian float32.");
        if (state[3] is not false)
            throw new CheckpointFormatException("a numpy array is stored in Fortran order; network variables are C-ordered.");
        if (state[4] is not byte[] data)
            throw new CheckpointFormatException($"a numpy array's data is {PythonValues.Describe(state[4])}, expected bytes.");

        // Compared by division, so that no product of declared sizes can overflow past the check.
        var available = data.Length / sizeof(float);
        long elements = 1;
        foreach (var dim in shape)
        {
            if (dim != 0 && elements > available / dim)
                throw new CheckpointFormatException($"a numpy array of shape [{string.Join(", ", shape)}] float32 has {data.Length} bytes of data.");
            elements *= dim;
        }
        if (elements * sizeof(float) != data.Length)
            throw new CheckpointFormatException($"a numpy array of shape [{string.Join(", ", shape)}] float32 has {data.Length} bytes of data.");
        Shape = shape;
        _data = data;
    }

    /// <summary>A float32 CPU tensor of the array (a copy).</summary>
    public Tensor ToTensor()
    {
        var tensor = empty(Shape, ScalarType.Float32);
        _data.CopyTo(tensor.bytes);
        return tensor;
    }

    private static string Describe(object? dtype) => dtype is NumpyDtype d ? $"'{d.ByteOrder}{d.Code}'" : PythonValues.Describe(dtype);
}

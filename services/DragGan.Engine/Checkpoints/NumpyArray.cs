using static TorchSharp.torch;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// A pickled <c>numpy.ndarray</c>: <c>numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')</c>,
/// then BUILD with <c>(version, shape, dtype, is_fortran, raw bytes)</c>. StyleGAN3 modules keep
/// their sizes as small int64 arrays in their <c>__dict__</c>. Nothing is allocated beyond the bytes
/// that are there: the shape must account for exactly the raw data.
/// </summary>
internal sealed class NumpyArray
{
    private const int MaxRank = 8;

    private byte[] _data = [];

    public long[] Shape { get; private set; } = [0];

    public NumpyDtype? Dtype { get; private set; }

    /// <summary>BUILD state: <c>(version, shape, dtype, is_fortran, raw bytes)</c>.</summary>
    public void __setstate__(object[] state)
    {
        if (state.Length != 5)
            throw new CheckpointFormatException($"a numpy array's state has {state.Length} items, expected 5 (version, shape, dtype, is_fortran, data).");
        var shape = PythonValues.ToInt64Array(state[1], "numpy array shape");
        if (shape.Length > MaxRank || shape.Any(d => d < 0))
            throw new CheckpointFormatException($"numpy array shape [{string.Join(", ", shape)}] is not a valid shape of at most {MaxRank} dimensions.");
        if (state[2] is not NumpyDtype dtype)
            throw new CheckpointFormatException($"a numpy array's dtype is {PythonValues.Describe(state[2])}, expected a numpy.dtype.");
        if (state[3] is not false)
            throw new CheckpointFormatException("a numpy array is stored in Fortran order; network arrays are C-ordered.");
        if (state[4] is not byte[] data)
            throw new CheckpointFormatException($"a numpy array's data is {PythonValues.Describe(state[4])}, expected bytes.");

        var itemSize = ItemSize(dtype.Code)
            ?? throw new CheckpointFormatException($"a numpy array has dtype '{dtype.Code}', which has no fixed item size.");
        // Compared by division, so that no product of declared sizes can overflow past the check.
        var available = data.Length / itemSize;
        long elements = 1;
        foreach (var dim in shape)
        {
            if (dim != 0 && elements > available / dim)
                throw new CheckpointFormatException($"a numpy array of shape [{string.Join(", ", shape)}] and dtype '{dtype.Code}' has {data.Length} bytes of data.");
            elements *= dim;
        }
        if (elements * itemSize != data.Length)
            throw new CheckpointFormatException($"a numpy array of shape [{string.Join(", ", shape)}] and dtype '{dtype.Code}' has {data.Length} bytes of data.");
        Shape = shape;
        Dtype = dtype;
        _data = data;
    }

    /// <summary>A float32 CPU tensor of the array (a copy); only little-endian float32 arrays convert.</summary>
    public Tensor ToTensor()
    {
        if (Dtype is not { Code: "f4", ByteOrder: '<' or '=' })
            throw new CheckpointFormatException($"a numpy array has dtype '{Dtype?.ByteOrder}{Dtype?.Code}'; network variables are little-endian float32.");
        var tensor = empty(Shape, ScalarType.Float32);
        _data.CopyTo(tensor.bytes);
        return tensor;
    }

    private static int? ItemSize(string code) =>
        code.Length >= 2 && code[0] is 'f' or 'i' or 'u' or 'b' && int.TryParse(code.AsSpan(1), out var size) && size is 1 or 2 or 4 or 8
            ? size
            : null;
}

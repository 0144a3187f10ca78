namespace DragGan.Engine.Checkpoints;

/// <summary>
/// A pickled <c>numpy.dtype</c>. The official networks keep a few attributes (gains) as NumPy scalars,
/// so a network pickle cannot be read without it and <see cref="NumpyScalar"/>, though the values are never needed.
/// </summary>
internal sealed class NumpyDtype(string code)
{
    public string Code { get; } = code;

    public char ByteOrder { get; private set; } = '<';

    /// <summary>BUILD state: <c>(version, byteorder, subarray, names, fields, elsize, alignment, flags)</c>.</summary>
    public void __setstate__(object[] state)
    {
        if (state.Length > 1 && state[1] is string { Length: 1 } order)
            ByteOrder = order[0];
    }
}

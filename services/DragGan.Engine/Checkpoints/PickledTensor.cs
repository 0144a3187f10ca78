namespace DragGan.Engine.Checkpoints;

/// <summary>
/// A tensor as <c>torch._utils._rebuild_tensor_v2</c> describes it: a view (element offset, size,
/// stride) into a storage. Kept lazy so that only the networks actually loaded are converted.
/// </summary>
internal sealed class PickledTensor
{
    public PickledTensor(PickledStorage storage, long offset, long[] size, long[] stride)
    {
        if (size.Length != stride.Length)
            throw new CheckpointFormatException($"a tensor has {size.Length} sizes but {stride.Length} strides.");
        if (offset < 0 || size.Any(s => s < 0) || stride.Any(s => s < 0))
            throw new CheckpointFormatException($"a tensor has a negative offset, size or stride ({Describe(offset, size, stride)}).");

        // A view may not hold more elements than its storage: zero or overlapping strides would let a
        // few bytes of storage stand for gigabytes of tensor once it is materialised.
        var elements = ElementCountOf(size);
        if (elements > storage.ElementCount)
            throw new CheckpointFormatException(
                $"a tensor view ({Describe(offset, size, stride)}) has {(elements == long.MaxValue ? "more than 2^63" : elements)} elements, more than its storage of {storage.ElementCount} (zero or overlapping strides).");

        // The last element a view touches must lie inside the storage; a lying header must not read past it.
        if (elements > 0)
        {
            var last = offset;
            try
            {
                foreach (var (s, st) in size.Zip(stride)) last = checked(last + (s - 1) * st);
            }
            catch (OverflowException)
            {
                last = long.MaxValue;
            }
            if (last >= storage.ElementCount)
                throw new CheckpointFormatException(
                    $"a tensor view ({Describe(offset, size, stride)}) reaches element {last} of a storage of {storage.ElementCount}.");
        }

        Storage = storage;
        Offset = offset;
        Size = size;
        Stride = stride;
    }

    public PickledStorage Storage { get; }

    public long Offset { get; }

    public long[] Size { get; }

    public long[] Stride { get; }

    public long ElementCount => ElementCountOf(Size);

    /// <summary>A float32, contiguous copy of exactly this view, owned by the caller (outside any dispose scope).</summary>
    public torch.Tensor ToFloat32()
    {
        var values = new float[ElementCount];
        if (values.Length > 0)
            Gather(values);
        return torch.tensor(values, Size).DetachFromDisposeScope();
    }

    /// <summary>Copies the view in C order, one innermost row at a time (a single run when contiguous).</summary>
    private void Gather(float[] values)
    {
        var rank = Size.Length;
        if (IsContiguous())
        {
            Storage.ReadFloats(Offset, values);
            return;
        }

        var rowLength = Size[rank - 1];
        var rowStride = Stride[rank - 1];
        var index = new long[rank - 1];
        for (long written = 0; written < values.Length; written += rowLength)
        {
            var start = Offset;
            for (var d = 0; d < rank - 1; d++) start += index[d] * Stride[d];

            var row = values.AsSpan(checked((int)written), checked((int)rowLength));
            if (rowStride == 1)
            {
                Storage.ReadFloats(start, row);
            }
            else
            {
                for (var i = 0; i < row.Length; i++)
                    Storage.ReadFloats(start + i * rowStride, row.Slice(i, 1));
            }

            for (var d = rank - 2; d >= 0 && ++index[d] == Size[d]; d--)
                index[d] = 0;
        }
    }

    private bool IsContiguous()
    {
        var expected = 1L;
        for (var d = Size.Length - 1; d >= 0; d--)
        {
            if (Size[d] != 1 && Stride[d] != expected) return false;
            expected *= Size[d];
        }
        return true;
    }

    /// <summary>The product of the sizes, or <see cref="long.MaxValue"/> when it overflows.</summary>
    private static long ElementCountOf(long[] size)
    {
        try
        {
            return size.Aggregate(1L, (a, b) => checked(a * b));
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }

    private static string Describe(long offset, long[] size, long[] stride) =>
        $"offset {offset}, size [{string.Join(", ", size)}], stride [{string.Join(", ", stride)}]";
}

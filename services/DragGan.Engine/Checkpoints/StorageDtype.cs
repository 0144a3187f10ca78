namespace DragGan.Engine.Checkpoints;

/// <summary>Element type of a pickled torch storage.</summary>
internal enum StorageDtype
{
    Float32,
    Float16,
    BFloat16,
    Float64,
    Int64,
    Int32,
    Int16,
    Int8,
    UInt8,
    Bool,
}

internal static class StorageDtypes
{
    /// <summary>
    /// Maps the storage class a pickle names (<c>torch.FloatStorage</c>, ...) or, in newer files, the
    /// torch dtype (<c>torch.float32</c>, ...) to an element type. Untyped storages are plain bytes.
    /// </summary>
    public static StorageDtype FromTorchName(string name) => name switch
    {
        "FloatStorage" or "float32" or "float" => StorageDtype.Float32,
        "HalfStorage" or "float16" or "half" => StorageDtype.Float16,
        "BFloat16Storage" or "bfloat16" => StorageDtype.BFloat16,
        "DoubleStorage" or "float64" or "double" => StorageDtype.Float64,
        "LongStorage" or "int64" or "long" => StorageDtype.Int64,
        "IntStorage" or "int32" or "int" => StorageDtype.Int32,
        "ShortStorage" or "int16" or "short" => StorageDtype.Int16,
        "CharStorage" or "int8" => StorageDtype.Int8,
        "ByteStorage" or "UntypedStorage" or "uint8" => StorageDtype.UInt8,
        "BoolStorage" or "bool" => StorageDtype.Bool,
        _ => throw new CheckpointFormatException($"unsupported tensor storage type torch.{name}."),
    };

    public static int ElementSize(this StorageDtype dtype) => dtype switch
    {
        StorageDtype.Float64 or StorageDtype.Int64 => 8,
        StorageDtype.Float32 or StorageDtype.Int32 => 4,
        StorageDtype.Float16 or StorageDtype.BFloat16 or StorageDtype.Int16 => 2,
        _ => 1,
    };
}

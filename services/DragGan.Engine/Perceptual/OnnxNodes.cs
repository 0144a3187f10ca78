using DragGan.Engine.Perceptual.Onnx;
using Google.Protobuf;
using static TorchSharp.torch;

namespace DragGan.Engine.Perceptual;

/// <summary>Reads ONNX nodes' attributes and initializers into TorchSharp.</summary>
internal static class OnnxNodes
{
    public static IReadOnlyList<long> Ints(this NodeProto node, string name, IReadOnlyList<long>? fallback = null)
    {
        var attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
        if (attribute is null)
            return fallback ?? throw Missing(node, name);
        if (attribute.Type != AttributeProto.Types.AttributeType.Ints)
            throw new OnnxFormatException($"Node {node.Name} ({node.OpType}): attribute '{name}' must be a list of integers, found {attribute.Type}.");
        return attribute.Ints;
    }

    public static long Int(this NodeProto node, string name, long fallback)
    {
        var attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
        if (attribute is null)
            return fallback;
        if (attribute.Type != AttributeProto.Types.AttributeType.Int)
            throw new OnnxFormatException($"Node {node.Name} ({node.OpType}): attribute '{name}' must be an integer, found {attribute.Type}.");
        return attribute.I;
    }

    public static float Float(this NodeProto node, string name, float fallback)
    {
        var attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
        if (attribute is null)
            return fallback;
        if (attribute.Type != AttributeProto.Types.AttributeType.Float)
            throw new OnnxFormatException($"Node {node.Name} ({node.OpType}): attribute '{name}' must be a float, found {attribute.Type}.");
        return attribute.F;
    }

    public static string String(this NodeProto node, string name, string fallback)
    {
        var attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
        return attribute is null ? fallback : attribute.S.ToStringUtf8();
    }

    /// <summary>Refuses attributes the engine's layers do not implement, so that none is silently ignored.</summary>
    public static void RequireOnly(this NodeProto node, params string[] known)
    {
        foreach (var attribute in node.Attribute)
        {
            if (!known.Contains(attribute.Name))
                throw new OnnxFormatException($"Node {node.Name} ({node.OpType}): attribute '{attribute.Name}' is not supported.");
        }
        var autoPad = node.String("auto_pad", "NOTSET");
        if (autoPad != "NOTSET")
            throw new OnnxFormatException($"Node {node.Name} ({node.OpType}): auto_pad {autoPad} is not supported; explicit pads only.");
    }

    /// <summary>The float32 initializer <paramref name="name"/> as a tensor on <paramref name="device"/>, outside any dispose scope.</summary>
    public static Tensor ToTensor(this TensorProto initializer, Device device)
    {
        if (initializer.DataType != (int)TensorProto.Types.DataType.Float)
            throw new OnnxFormatException($"Initializer {initializer.Name}: data type {initializer.DataType} is not float32.");
        var count = initializer.Dims.Aggregate(1L, (product, dim) => product * dim);
        float[] values;
        if (initializer.RawData.Length > 0)
        {
            if (initializer.RawData.Length != count * sizeof(float))
                throw new OnnxFormatException($"Initializer {initializer.Name}: raw_data has {initializer.RawData.Length} bytes, shape [{string.Join(", ", initializer.Dims)}] needs {count * sizeof(float)}.");
            values = new float[count];
            ReadLittleEndian(initializer.RawData, values);
        }
        else
        {
            if (initializer.FloatData.Count != count)
                throw new OnnxFormatException($"Initializer {initializer.Name}: float_data has {initializer.FloatData.Count} values, shape [{string.Join(", ", initializer.Dims)}] needs {count}.");
            values = [.. initializer.FloatData];
        }
        using var scope = NewDisposeScope();
        return tensor(values, [.. initializer.Dims]).to(device).DetachFromDisposeScope();
    }

    private static void ReadLittleEndian(ByteString raw, float[] values)
    {
        var bytes = raw.Span;
        for (var i = 0; i < values.Length; i++)
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float), sizeof(float)));
    }

    private static OnnxFormatException Missing(NodeProto node, string name) =>
        new($"Node {node.Name} ({node.OpType}): attribute '{name}' is missing.");
}

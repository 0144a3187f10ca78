using System.Collections;
using System.Numerics;

namespace DragGan.Engine.Checkpoints;

/// <summary>Reads the CLR shapes the unpickler gives Python values (ints, tuples, dicts) with errors that say what was expected.</summary>
internal static class PythonValues
{
    public static long ToInt64(object? value, string what) => value switch
    {
        int i => i,
        long l => l,
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => (long)b,
        bool b => b ? 1 : 0,
        NumpyScalar s when s.AsInt64() is { } l => l,
        _ => throw new CheckpointFormatException($"{what} is {Describe(value)}, expected an integer."),
    };

    public static int ToInt32(object? value, string what)
    {
        var l = ToInt64(value, what);
        return l is >= int.MinValue and <= int.MaxValue ? (int)l : throw new CheckpointFormatException($"{what} is {l}, out of range.");
    }

    public static double ToDouble(object? value, string what) => value switch
    {
        double d => d,
        float f => f,
        NumpyScalar s when s.AsDouble() is { } d => d,
        _ => ToInt64(value, what),
    };

    /// <summary>A Python tuple or list of ints (sizes, strides).</summary>
    public static long[] ToInt64Array(object? value, string what) => value switch
    {
        object[] tuple => tuple.Select((v, i) => ToInt64(v, $"{what}[{i}]")).ToArray(),
        IList list => list.Cast<object?>().Select((v, i) => ToInt64(v, $"{what}[{i}]")).ToArray(),
        _ => throw new CheckpointFormatException($"{what} is {Describe(value)}, expected a tuple of integers."),
    };

    public static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        int or long or double or bool => value.ToString()!,
        PersistentObject p => $"a {p.ClassName} object",
        Razorvine.Pickle.Objects.ClassDict c => $"a {c.ClassName} object",
        PickledTensor => "a tensor",
        NumpyArray => "a numpy array",
        NumpyScalar => "a numpy scalar",
        PickledStorage => "a tensor storage",
        byte[] => "bytes",
        object[] => "a tuple",
        IDictionary => "a dict",
        IList => "a list",
        _ => $"a {value.GetType().Name} value",
    };
}

using System.Collections;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// The Python callables a network pickle reduces through, mapped to C# constructors. Razorvine keeps
/// its constructor table process-wide, so these are registered once, before the first load, under
/// names that only torch / NumPy / StyleGAN pickles use. Any class not listed here unpickles as a
/// <see cref="ClassDict"/> (its state kept, via <c>__setstate__</c>), which covers plain
/// <c>torch.nn</c> modules pickled by class.
/// </summary>
internal static class PickleGlobals
{
    private static readonly Lazy<bool> Registered = new(Register, LazyThreadSafetyMode.ExecutionAndPublication);

    public static void EnsureRegistered() => _ = Registered.Value;

    private static bool Register()
    {
        Add("torch_utils.persistence", "_reconstruct_persistent_obj", args => new PersistentObject(
            Arg<Hashtable>(args, 0, "_reconstruct_persistent_obj", "meta dict")));

        Add("torch._utils", "_rebuild_tensor_v2", args => RebuildTensor(args, "_rebuild_tensor_v2", dtype: null));
        // v3 carries the dtype explicitly (storage untyped).
        Add("torch._utils", "_rebuild_tensor_v3", args => RebuildTensor(args, "_rebuild_tensor_v3",
            dtype: args.Length > 6 ? TorchName(args[6], "_rebuild_tensor_v3 dtype") : null));
        // A Parameter is its data as far as loading goes: requires_grad and hooks are training state.
        Add("torch._utils", "_rebuild_parameter", args => Arg<PickledTensor>(args, 0, "_rebuild_parameter", "tensor"));
        Add("torch._utils", "_rebuild_parameter_with_state", args => Arg<PickledTensor>(args, 0, "_rebuild_parameter_with_state", "tensor"));
        Add("torch.storage", "_load_from_bytes", args => TorchSaveStream.ReadStorage(
            Arg<byte[]>(args, 0, "_load_from_bytes", "bytes")));

        // Dict subclasses: the items arrive through SETITEMS, which needs a Hashtable.
        Add("collections", "OrderedDict", args => FromPairs(args));
        Add("dnnlib.util", "EasyDict", args => FromPairs(args));
        Add("dnnlib", "EasyDict", args => FromPairs(args));

        Add("numpy", "dtype", args => new NumpyDtype(Arg<string>(args, 0, "numpy.dtype", "type code")));
        foreach (var module in new[] { "numpy.core.multiarray", "numpy._core.multiarray" })
        {
            Add(module, "scalar", args => new NumpyScalar(
                Arg<NumpyDtype>(args, 0, "numpy scalar", "dtype"),
                Arg<byte[]>(args, 1, "numpy scalar", "bytes")));
            // ndarray.__reduce__: _reconstruct(ndarray, (0,), b'b'), the contents follow through BUILD.
            Add(module, "_reconstruct", args => NumpyArrayOf(args));
        }

        // Protocol 0/1 pickles of plain classes: copyreg._reconstructor(cls, base, state).
        Add("copyreg", "_reconstructor", args => Arg<IObjectConstructor>(args, 0, "copyreg._reconstructor", "class")
            .construct([]));
        return true;
    }

    private static void Add(string module, string name, Func<object?[], object> construct) =>
        Unpickler.registerConstructor(module, name, new Constructor(construct));

    private static PickledTensor RebuildTensor(object?[] args, string function, string? dtype)
    {
        var storage = Arg<PickledStorage>(args, 0, function, "storage");
        if (dtype is not null)
            storage = storage.As(StorageDtypes.FromTorchName(dtype));
        return new PickledTensor(
            storage,
            PythonValues.ToInt64(args.ElementAtOrDefault(1), $"{function} storage offset"),
            PythonValues.ToInt64Array(args.ElementAtOrDefault(2), $"{function} size"),
            PythonValues.ToInt64Array(args.ElementAtOrDefault(3), $"{function} stride"));
    }

    private static NumpyArray NumpyArrayOf(object?[] args)
    {
        if (args.ElementAtOrDefault(0) is not ClassDictConstructor { module: "numpy", name: "ndarray" })
            throw new CheckpointFormatException($"numpy _reconstruct builds {PythonValues.Describe(args.ElementAtOrDefault(0))}, expected numpy.ndarray.");
        return new NumpyArray();
    }

    private static Hashtable FromPairs(object?[] args)
    {
        var dict = new Hashtable();
        if (args.Length > 0 && args[0] is IEnumerable pairs and not string)
        {
            foreach (var pair in pairs)
            {
                // Protocol 2+ sends items through SETITEMS; older protocols pass [[key, value], ...].
                if (pair is IList { Count: 2 } kv && kv[0] is { } key)
                    dict[key] = kv[1];
            }
        }
        return dict;
    }

    /// <summary>The name of a torch global such as <c>torch.FloatStorage</c> or <c>torch.float32</c>.</summary>
    public static string TorchName(object? global, string what) => global switch
    {
        ClassDictConstructor c when c.module == "torch" => c.name,
        _ => throw new CheckpointFormatException($"{what} is {PythonValues.Describe(global)}, expected a torch type."),
    };

    private static T Arg<T>(object?[] args, int index, string function, string what) =>
        index < args.Length && args[index] is T value
            ? value
            : throw new CheckpointFormatException(
                $"{function} expects a {what} as argument {index + 1}, got {(index < args.Length ? PythonValues.Describe(args[index]) : "nothing")}.");

    private sealed class Constructor(Func<object?[], object> build) : IObjectConstructor
    {
        public object construct(object[] args) => build(args);
    }
}

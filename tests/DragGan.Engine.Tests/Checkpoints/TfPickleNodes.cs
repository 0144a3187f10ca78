namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>
/// Builds the pickled shapes of a TF-era StyleGAN2 network pickle (see the TF fixture's README):
/// <c>dnnlib.tflib.network.Network</c> instances whose state holds float32 NumPy arrays, for crafted
/// and broken variants of the fixture.
/// </summary>
internal static class TfPickleNodes
{
    public static PyInstance Network(string name, Dictionary<string, object?> staticKwargs, IList<object?> variables,
        Dictionary<string, object?>? components = null, int version = 4) =>
        new("dnnlib.tflib.network", "Network", new Dictionary<string, object?>
        {
            ["version"] = version,
            ["name"] = name,
            ["static_kwargs"] = staticKwargs,
            ["components"] = components ?? new Dictionary<string, object?>(),
            ["build_module_src"] = "# placeholder",
            ["build_func_name"] = "G_main",
            ["variables"] = variables,
        });

    /// <summary>(name, array): a float32 C-ordered array whose bytes are <paramref name="data"/>, whatever the shape says.</summary>
    public static object?[] Variable(string name, long[] shape, byte[] data, string dtype = "f4") =>
        [name, Array(shape, data, dtype)];

    public static object?[] Variable(string name, params long[] shape) =>
        Variable(name, shape, new byte[shape.Aggregate(1L, (a, b) => a * b) * sizeof(float)]);

    private static PyCallWithState Array(long[] shape, byte[] data, string dtype) =>
        new("numpy.core.multiarray", "_reconstruct", [new PyGlobal("numpy", "ndarray"), new object?[] { 0 }, new byte[] { (byte)'b' }],
            new object?[] { 1, shape.Select(d => (object?)d).ToArray(), Dtype(dtype), false, data });

    private static PyCallWithState Dtype(string code) =>
        new("numpy", "dtype", [code, false, true], new object?[] { 3, "<", null, null, null, -1, -1, 0 });

    /// <summary>The top-level (G, D, Gs) tuple.</summary>
    public static object?[] Tuple(PyInstance generator, PyInstance discriminator, PyInstance average) => [generator, discriminator, average];

    public static Dictionary<string, object?> Kwargs(int resolution = 8) => new()
    {
        ["num_channels"] = 3,
        ["resolution"] = resolution,
        ["label_size"] = 0,
        ["fmap_base"] = 64,
        ["fmap_max"] = 16,
        ["mapping_layers"] = 2,
        ["architecture"] = "skip",
    };
}

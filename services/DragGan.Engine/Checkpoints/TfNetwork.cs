using System.Collections;
using Razorvine.Pickle.Objects;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// A TF-era StyleGAN2 network (<c>dnnlib.tflib.network.Network</c>) as its <c>__getstate__</c>
/// pickled it: <c>version</c>, <c>name</c>, <c>static_kwargs</c>, <c>components</c> (nested networks)
/// and <c>variables</c>, a list of (name, numpy value). No TensorFlow is needed: the state is plain data.
/// </summary>
internal sealed class TfNetwork
{
    public const string ClassName = "dnnlib.tflib.network.Network";

    /// <summary>G holds synthesis and mapping; nothing real nests deeper.</summary>
    private const int MaxDepth = 4;

    private TfNetwork(string name, int version, Hashtable staticKwargs, IReadOnlyDictionary<string, TfNetwork> components, IReadOnlyList<(string Name, object Value)> variables)
    {
        Name = name;
        Version = version;
        StaticKwargs = staticKwargs;
        Components = components;
        Variables = variables;
    }

    public string Name { get; }

    public int Version { get; }

    public Hashtable StaticKwargs { get; }

    public IReadOnlyDictionary<string, TfNetwork> Components { get; }

    /// <summary>The network's own variables, values being <see cref="NumpyArray"/> or <see cref="NumpyScalar"/>.</summary>
    public IReadOnlyList<(string Name, object Value)> Variables { get; }

    public static bool Is(object? value) => value is ClassDict { ClassName: ClassName };

    /// <summary>Reads a pickled network; <paramref name="what"/> names it in errors.</summary>
    public static TfNetwork From(object? value, string what) =>
        From(value, what, depth: 0, new HashSet<object>(ReferenceEqualityComparer.Instance));

    private static TfNetwork From(object? value, string what, int depth, HashSet<object> visited)
    {
        if (value is not ClassDict { ClassName: ClassName } state)
            throw new CheckpointFormatException($"{what} is {PythonValues.Describe(value)}, expected a {ClassName}.");
        if (depth > MaxDepth)
            throw new CheckpointFormatException($"{what} nests components more than {MaxDepth} deep.");
        if (!visited.Add(state))
            throw new CheckpointFormatException($"{what} is a network already reached elsewhere in the pickle; components are never shared.");

        var version = state.TryGetValue("version", out var v) ? PythonValues.ToInt32(v, $"{what} version") : 0;
        var name = state.TryGetValue("name", out var n) && n is string s ? s : what;
        var kwargs = state.TryGetValue("static_kwargs", out var k) switch
        {
            true when k is Hashtable dict => dict,
            true when k is null => new Hashtable(),
            false => new Hashtable(),
            _ => throw new CheckpointFormatException($"{what} static_kwargs is {PythonValues.Describe(k)}, expected a dict."),
        };

        var components = new Dictionary<string, TfNetwork>(StringComparer.Ordinal);
        if (state.TryGetValue("components", out var c) && c is not null)
        {
            if (c is not IDictionary dict)
                throw new CheckpointFormatException($"{what} components is {PythonValues.Describe(c)}, expected a dict.");
            foreach (DictionaryEntry entry in dict)
            {
                var key = entry.Key as string ?? throw new CheckpointFormatException($"{what} has a component named {PythonValues.Describe(entry.Key)}.");
                components.Add(key, From(entry.Value, $"{what}/{key}", depth + 1, visited));
            }
        }

        if (!state.TryGetValue("variables", out var vars) || vars is not IList list)
            throw new CheckpointFormatException($"{what} has no variables list.");
        var variables = new List<(string, object)>(list.Count);
        foreach (var item in list)
        {
            if (item is not object[] { Length: 2 } pair || pair[0] is not string variable || pair[1] is not (NumpyArray or NumpyScalar))
                throw new CheckpointFormatException($"{what} has a variable entry {PythonValues.Describe(item)}, expected (name, numpy value).");
            if (pair[1] is NumpyArray { Dtype: not { Code: "f4", ByteOrder: '<' or '=' } } array)
                throw new CheckpointFormatException($"{what}'s variable {variable} has dtype '{array.Dtype?.ByteOrder}{array.Dtype?.Code}'; TF-era network variables are little-endian float32.");
            variables.Add((variable, pair[1]));
        }
        return new TfNetwork(name, version, kwargs, components, variables);
    }

    /// <summary>
    /// Every variable of the network and its components, named as legacy.py's
    /// <c>_collect_tf_params</c> names them: a component's under <c>'component/'</c>.
    /// </summary>
    public Dictionary<string, object> CollectVariables()
    {
        var all = new Dictionary<string, object>(StringComparer.Ordinal);
        Collect("", this, all);
        return all;
    }

    private static void Collect(string prefix, TfNetwork network, Dictionary<string, object> all)
    {
        foreach (var (name, value) in network.Variables)
            all[prefix + name] = value;
        foreach (var (name, component) in network.Components)
            Collect($"{prefix}{name}/", component, all);
    }
}

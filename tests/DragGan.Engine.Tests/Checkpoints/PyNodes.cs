namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>A Python global such as <c>torch.FloatStorage</c>, written as a value.</summary>
internal sealed class PyGlobal(string module, string name)
{
    public string Module { get; } = module;
    public string Name { get; } = name;
}

/// <summary><c>module.name(*args)</c>: GLOBAL, args tuple, REDUCE.</summary>
internal sealed class PyCall(string module, string name, params object?[] args)
{
    public PyGlobal Callable { get; } = new(module, name);
    public object?[] Args { get; } = args;
}

/// <summary><c>module.name(*args)</c>, then BUILD(state): how NumPy pickles arrays and dtypes (GLOBAL, args, REDUCE, state, BUILD).</summary>
internal sealed class PyCallWithState(string module, string name, object?[] args, object? state)
{
    public PyCall Call { get; } = new(module, name, args);
    public object? State { get; } = state;
}

/// <summary>An instance of a plain class pickled by <c>__reduce_ex__(2)</c>: NEWOBJ with no args, then BUILD(state).</summary>
internal sealed class PyInstance(string module, string name, object? state)
{
    public PyGlobal Class { get; } = new(module, name);
    public object? State { get; } = state;
}

/// <summary>A dict subclass (<c>OrderedDict</c>, <c>EasyDict</c>): constructed empty, then filled with SETITEMS.</summary>
internal sealed class PyDictOf(string module, string name, IEnumerable<KeyValuePair<string, object?>> items)
{
    public PyGlobal Class { get; } = new(module, name);
    public IReadOnlyList<KeyValuePair<string, object?>> Items { get; } = items.ToList();
}

/// <summary>A persistent id (BINPERSID), as <c>torch.save</c> writes for storages.</summary>
internal sealed class PyPersistentId(params object?[] id)
{
    public object?[] Id { get; } = id;
}

/// <summary>One object written once and referred to again through the memo (BINPUT, then BINGET), as pickle does for shared references.</summary>
internal sealed class PyShared(object? value)
{
    public object? Value { get; } = value;
}

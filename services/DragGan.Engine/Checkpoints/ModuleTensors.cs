using System.Collections;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Flattens a pickled <c>torch.nn.Module</c> tree into its state dict: every parameter and persistent
/// buffer under its dotted name (<c>synthesis.b8.conv0.affine.weight</c>), as
/// <c>Module.state_dict()</c> would name it. Each module is visited once: a pickle's memo lets
/// a few bytes refer to one child from many parents, so a walk that followed shared children
/// would take exponential time, and no StyleGAN2 generator shares a module.
/// </summary>
internal static class ModuleTensors
{
    private const int MaxDepth = 64;

    public static Dictionary<string, PickledTensor> Collect(object module)
    {
        var tensors = new Dictionary<string, PickledTensor>(StringComparer.Ordinal);
        Visit(module, "", tensors, new Dictionary<object, string>(ReferenceEqualityComparer.Instance), depth: 0);
        return tensors;
    }

    private static void Visit(object module, string prefix, Dictionary<string, PickledTensor> tensors, Dictionary<object, string> visited, int depth)
    {
        if (depth > MaxDepth)
            throw new CheckpointFormatException($"module {prefix.TrimEnd('.')} is nested more than {MaxDepth} deep.");
        if (!visited.TryAdd(module, Name(prefix)))
            throw new CheckpointFormatException($"module {Name(prefix)} is the same object as module {visited[module]}; a StyleGAN2 generator shares no modules.");

        var state = ModuleState.Of(module, Name(prefix));
        AddTensors(state["_parameters"], prefix, "parameter", skip: null, tensors);
        AddTensors(state["_buffers"], prefix, "buffer", skip: state["_non_persistent_buffers_set"] as IEnumerable, tensors);

        if (state["_modules"] is IDictionary children)
        {
            foreach (DictionaryEntry child in children)
            {
                if (child.Value is not null)
                    Visit(child.Value, $"{prefix}{child.Key}.", tensors, visited, depth + 1);
            }
        }
    }

    private static void AddTensors(object? entries, string prefix, string kind, IEnumerable? skip, Dictionary<string, PickledTensor> tensors)
    {
        if (entries is null) return;
        if (entries is not IDictionary dict)
            throw new CheckpointFormatException($"module {Name(prefix)} has {PythonValues.Describe(entries)} for its {kind}s.");

        // Non-persistent buffers are not part of a state dict (they are recomputed on construction).
        var transient = skip?.Cast<object>().OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in dict)
        {
            var name = prefix + entry.Key;
            if (entry.Value is null || transient?.Contains(entry.Key as string ?? "") == true)
                continue;
            tensors[name] = entry.Value as PickledTensor
                ?? throw new CheckpointFormatException($"{kind} {name} is {PythonValues.Describe(entry.Value)}, not a tensor.");
        }
    }

    private static string Name(string prefix) => prefix.Length == 0 ? "(root)" : prefix.TrimEnd('.');
}

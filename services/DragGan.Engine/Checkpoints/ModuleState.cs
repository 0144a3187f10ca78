using System.Collections;
using Razorvine.Pickle.Objects;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// The <c>__dict__</c> of a pickled <c>torch.nn.Module</c>: the persistence meta's state, or, for a
/// plain class, the state BUILD gave its <see cref="ClassDict"/>.
/// </summary>
internal static class ModuleState
{
    public static IDictionary Of(object module, string name) => module switch
    {
        PersistentObject persistent => persistent.State,
        ClassDict plain => plain,
        _ => throw new CheckpointFormatException($"module {name} is {PythonValues.Describe(module)}, not a torch module."),
    };

    /// <summary>The state of the submodule at a dotted path (<c>synthesis.b4.conv1</c>), or null when there is none.</summary>
    public static IDictionary? Find(object module, string path)
    {
        var state = Of(module, "(root)");
        foreach (var name in path.Split('.'))
        {
            if (state["_modules"] is not IDictionary children || children[name] is not { } child)
                return null;
            state = Of(child, path);
        }
        return state;
    }
}

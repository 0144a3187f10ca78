using System.Collections;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// An object pickled through <c>torch_utils.persistence</c>: the reduce of
/// <c>_reconstruct_persistent_obj(meta)</c>, where <c>meta</c> carries the class name, the source of
/// its Python module and the instance's <c>__dict__</c> as <c>state</c>. Nothing is executed: the
/// source is kept only to tell the network family apart.
/// </summary>
internal sealed class PersistentObject
{
    public PersistentObject(Hashtable meta)
    {
        var type = meta["type"] as string;
        if (type != "class")
            throw new CheckpointFormatException($"a persistent object has type '{type}', expected 'class'.");
        ClassName = meta["class_name"] as string
            ?? throw new CheckpointFormatException("a persistent object has no class_name.");
        ModuleSource = meta["module_src"] as string ?? "";
        ModuleName = meta["module_name"] as string;
        State = meta["state"] as Hashtable
            ?? throw new CheckpointFormatException($"persistent object {ClassName} has no state dictionary.");
    }

    public string ClassName { get; }

    public string ModuleSource { get; }

    /// <summary>Not written by the official persistence module, but honoured where a variant adds it.</summary>
    public string? ModuleName { get; }

    /// <summary>The instance's <c>__dict__</c>: <c>_init_kwargs</c>, <c>_parameters</c>, <c>_buffers</c>, <c>_modules</c>, ...</summary>
    public Hashtable State { get; }
}

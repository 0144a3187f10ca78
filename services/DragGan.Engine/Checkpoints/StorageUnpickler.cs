using Razorvine.Pickle;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// The unpickler for the pickle inside a <c>torch.save</c> stream, where each storage is a persistent
/// id <c>('storage', storage_type, key, location, numel[, view_metadata])</c>. It records what each
/// id asks for; the bytes come later in the stream (legacy) or from a zip entry.
/// </summary>
internal sealed class StorageUnpickler : Unpickler
{
    public Dictionary<string, StorageRequest> Requests { get; } = new(StringComparer.Ordinal);

    protected override object persistentLoad(object pid)
    {
        if (pid is not object[] { Length: >= 5 } id || id[0] as string != "storage")
            throw new CheckpointFormatException($"unsupported persistent id {PythonValues.Describe(pid)} in a torch.save stream.");

        var key = id[2] as string ?? throw new CheckpointFormatException("a storage persistent id has no key.");
        var dtype = StorageDtypes.FromTorchName(PickleGlobals.TorchName(id[1], "storage type"));
        var numel = PythonValues.ToInt64(id[4], "storage numel");
        var request = new StorageRequest(key, dtype, numel, View: null);
        if (!Requests.TryAdd(key, request) && Requests[key].Dtype != dtype)
            throw new CheckpointFormatException($"storage {key} is referenced with two element types.");

        if (id.Length > 5 && id[5] is object[] { Length: 3 } view)
        {
            return request with
            {
                View = new StorageView(
                    PythonValues.ToInt64(view[1], "storage view offset"),
                    PythonValues.ToInt64(view[2], "storage view size")),
            };
        }
        return request;
    }
}

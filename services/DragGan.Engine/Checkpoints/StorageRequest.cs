namespace DragGan.Engine.Checkpoints;

/// <summary>One storage a <c>torch.save</c> pickle refers to, optionally a view (element range) of it.</summary>
internal sealed record StorageRequest(string Key, StorageDtype Dtype, long ElementCount, StorageView? View);

/// <summary>The element range <c>(offset, size)</c> of a storage view, from legacy view metadata.</summary>
internal sealed record StorageView(long Offset, long Size);

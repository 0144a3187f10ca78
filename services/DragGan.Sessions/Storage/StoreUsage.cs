namespace DragGan.Sessions.Storage;

/// <summary>The bytes a store holds for every tenant, and the limit it has of its own (Redis's maxmemory), if any.</summary>
public readonly record struct StoreUsage(long UsedBytes, long? LimitBytes);

namespace DragGan.Sessions.Storage;

/// <summary>What a tenant keeps in the store: its unexpired sessions and their stored bytes, kept frames included.</summary>
public readonly record struct TenantUsage(long Sessions, long StoredBytes);

namespace DragGan.Sessions.Storage;

/// <summary>One page of a tenant's sessions, the latest expiry first; <see cref="NextPageToken"/> is null on the last page.</summary>
public sealed record SessionPage(IReadOnlyList<SessionRecord> Sessions, string? NextPageToken);

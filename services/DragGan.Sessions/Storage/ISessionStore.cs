namespace DragGan.Sessions.Storage;

/// <summary>
/// Sessions by tenant and id, shared by every replica of the service. Writes are
/// compare-and-set on a version number that starts at 1 and increases by one with every
/// replace; a session expires at its <c>Session.ExpireTime</c> (set by the caller on every
/// write), after which it is gone for every method.
/// </summary>
/// <remarks>
/// Implementations: <see cref="SqliteSessionStore"/> (one file, several processes on one
/// machine) and <see cref="RedisSessionStore"/>. Both also implement <see cref="IDragFrameStore"/>
/// so that deleting or expiring a session takes its frames with it.
/// </remarks>
public interface ISessionStore
{
    /// <summary>Stores a new session at version 1, within its tenant's quotas (<see cref="SessionStoreLimits"/>).</summary>
    /// <exception cref="SessionConflictException">A session with that key exists.</exception>
    /// <exception cref="StoreQuotaExceededException">The tenant has its most sessions, or the session would pass its stored bytes.</exception>
    Task<SessionRecord> CreateAsync(StoredSession session, CancellationToken cancellationToken);

    /// <summary>The session and its version; null when it does not exist or has expired.</summary>
    Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken);

    /// <summary>Replaces the session if it is still at <paramref name="expectedVersion"/>; its expiry becomes the new payload's.</summary>
    /// <returns>The stored record at its new version.</returns>
    /// <exception cref="SessionConflictException">Another write came first.</exception>
    /// <exception cref="SessionNotFoundException">The session is gone.</exception>
    Task<SessionRecord> ReplaceAsync(StoredSession session, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Deletes the session and its drag frames, only if at <paramref name="expectedVersion"/> when one is given.</summary>
    /// <returns>False when there was no such session.</returns>
    /// <exception cref="SessionConflictException">The session is at another version.</exception>
    Task<bool> DeleteAsync(SessionKey key, long? expectedVersion, CancellationToken cancellationToken);

    /// <summary>What the tenant keeps: its unexpired sessions and their stored bytes, kept frames included.</summary>
    Task<TenantUsage> TenantUsageAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>
    /// A page of the tenant's unexpired sessions, the latest expiry (most recently changed)
    /// first. <paramref name="pageToken"/> is null for the first page. A page ends early, with a
    /// token, once its sessions' stored bytes would pass <see cref="SessionStoreLimits.MaxPageBytes"/>
    /// (it always holds at least one session), so a listing reads a bounded amount whatever the sessions hold.
    /// </summary>
    /// <exception cref="ArgumentException">The page token was not issued by a store (parameter "page_token").</exception>
    Task<SessionPage> ListAsync(string tenant, int pageSize, string? pageToken, CancellationToken cancellationToken);
}

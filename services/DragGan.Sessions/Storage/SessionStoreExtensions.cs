namespace DragGan.Sessions.Storage;

/// <summary>Read-modify-write on top of the store's compare-and-set.</summary>
public static class SessionStoreExtensions
{
    /// <summary>
    /// Reads the session, applies <paramref name="mutate"/> to a copy (with the version it was read
    /// at), and writes it back if nobody wrote in between; otherwise reads again and retries, up to
    /// <paramref name="attempts"/> times in all with a short random backoff. Exceptions from
    /// <paramref name="mutate"/> end the update unchanged.
    /// </summary>
    /// <exception cref="SessionNotFoundException">The session is gone.</exception>
    /// <exception cref="SessionConflictException">Every attempt lost the race.</exception>
    public static async Task<SessionRecord> UpdateAsync(
        this ISessionStore store, SessionKey key, Action<StoredSession, long> mutate, int attempts, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        for (var attempt = 1; ; attempt++)
        {
            var current = await store.GetAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw new SessionNotFoundException(key.Id);
            var next = current.Value.Clone();
            mutate(next, current.Version);
            try
            {
                return await store.ReplaceAsync(next, current.Version, cancellationToken).ConfigureAwait(false);
            }
            catch (SessionConflictException) when (attempt < attempts)
            {
                // Writers that collided retry at different moments, so one of them wins the next round.
                var ceiling = Math.Min(200, 5 << Math.Min(attempt, 6));
                await Task.Delay(Random.Shared.Next(1, ceiling), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

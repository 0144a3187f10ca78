namespace DragGan.Sessions.Storage;

/// <summary>Which <see cref="ISessionStore"/> the service uses (<c>Sessions:Store</c>).</summary>
public enum SessionStoreKind
{
    /// <summary>One SQLite file: for one machine, no server needed.</summary>
    Sqlite,

    /// <summary>Redis (<c>ConnectionStrings:Redis</c>): shared by every replica of a deployment.</summary>
    Redis,
}

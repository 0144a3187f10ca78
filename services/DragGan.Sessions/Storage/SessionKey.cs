namespace DragGan.Sessions.Storage;

/// <summary>
/// Where a session lives: its tenant and id together. Every store lookup takes both, so a
/// tenant can never reach another tenant's session, even with its id.
/// </summary>
public readonly record struct SessionKey(string Tenant, string Id)
{
    public static SessionKey Of(StoredSession session) => new(session.Tenant, session.Session.Id);

    public override string ToString() => $"{Tenant}/{Id}";
}

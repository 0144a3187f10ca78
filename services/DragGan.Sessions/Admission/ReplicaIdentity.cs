namespace DragGan.Sessions.Admission;

/// <summary>This process among the session-service replicas: the holder name of the leases it takes.</summary>
public sealed class ReplicaIdentity
{
    public string Id { get; } = Guid.NewGuid().ToString("N");
}

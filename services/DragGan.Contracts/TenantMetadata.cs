namespace DragGan.Contracts;

/// <summary>
/// The call metadata with which the session service tells the inference service whose work a call
/// is, so that the inference service can share its GPU between tenants. The inference service is
/// reached by the session services only (its network policy), which authenticate the tenant.
/// </summary>
public static class TenantMetadata
{
    public const string Header = "draggan-tenant";
}

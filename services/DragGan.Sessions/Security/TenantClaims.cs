using System.Security.Claims;
using Grpc.Core;

namespace DragGan.Sessions.Security;

/// <summary>The tenant a call acts for, as the API key handler put it on the user.</summary>
public static class TenantClaims
{
    public const string Tenant = "draggan:tenant";

    public static string? TenantOf(ClaimsPrincipal user) => user.FindFirst(Tenant)?.Value;

    /// <summary>The authenticated caller's tenant (the service requires authentication, so there always is one).</summary>
    public static string RequireTenant(this ServerCallContext context) =>
        TenantOf(context.GetHttpContext().User)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "The call has no tenant."));
}

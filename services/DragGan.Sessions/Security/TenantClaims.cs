using System.Security.Claims;

namespace DragGan.Sessions.Security;

/// <summary>The tenant a call acts for, as the API key handler put it on the user.</summary>
public static class TenantClaims
{
    public const string Tenant = "draggan:tenant";

    public static string? TenantOf(ClaimsPrincipal user) => user.FindFirst(Tenant)?.Value;
}

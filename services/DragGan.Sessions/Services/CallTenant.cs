using DragGan.Sessions.Security;
using Grpc.Core;

namespace DragGan.Sessions.Services;

/// <summary>The tenant a call acts for, as the API key handler put it on the call's user.</summary>
internal static class CallTenant
{
    /// <summary>The authenticated caller's tenant (the service requires authentication, so there always is one).</summary>
    public static string RequireTenant(this ServerCallContext context) =>
        TenantClaims.TenantOf(context.GetHttpContext().User)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "The call has no tenant."));
}

using System.Security.Claims;
using System.Text.Encodings.Web;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Security;

/// <summary>
/// Authenticates calls by API key, read from <c>authorization: Bearer &lt;key&gt;</c> or
/// <c>x-api-key: &lt;key&gt;</c>, as the tenant the key belongs to. Without a key the call is
/// anonymous (acting for <see cref="SessionsOptions.AnonymousTenant"/>) only in development mode;
/// otherwise the challenge answers UNAUTHENTICATED without saying whether a key exists.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRegistry keys,
    IOptions<SessionsOptions> sessionsOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ApiKeyHeader = "x-api-key";
    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = ReadKey(Request.Headers);
        if (key is null)
        {
            var options = sessionsOptions.Value;
            return Task.FromResult(options.AllowAnonymous
                ? Success(options.AnonymousTenant)
                : AuthenticateResult.NoResult());
        }
        return Task.FromResult(keys.TenantOf(key) is { } tenant
            ? Success(tenant)
            : AuthenticateResult.Fail("The API key is not valid."));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        GrpcStatusResponse.WriteAsync(Context, StatusCode.Unauthenticated,
            "A valid API key is required: send it as 'authorization: Bearer <key>' or 'x-api-key: <key>'.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        GrpcStatusResponse.WriteAsync(Context, StatusCode.PermissionDenied, "The API key does not allow this call.");

    private static string? ReadKey(IHeaderDictionary headers)
    {
        if (headers.Authorization.ToString() is { Length: > 0 } authorization
            && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            return authorization[BearerPrefix.Length..].Trim() is { Length: > 0 } bearer ? bearer : null;
        return headers[ApiKeyHeader].ToString() is { Length: > 0 } apiKey ? apiKey.Trim() : null;
    }

    private AuthenticateResult Success(string tenant)
    {
        var identity = new ClaimsIdentity([new Claim(TenantClaims.Tenant, tenant)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

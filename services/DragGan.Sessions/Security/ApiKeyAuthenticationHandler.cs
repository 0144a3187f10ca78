using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Security;

/// <summary>
/// Authenticates calls by API key, read from <c>authorization: Bearer &lt;key&gt;</c> or
/// <c>x-api-key: &lt;key&gt;</c>, as the tenant the key belongs to. Without a key the call is
/// anonymous (acting for <see cref="SessionsOptions.AnonymousTenant"/>) only in development mode;
/// otherwise the challenge answers UNAUTHENTICATED without saying whether a key exists. A client
/// address that has presented too many wrong keys (<see cref="FailedKeyAttempts"/>) is answered
/// RESOURCE_EXHAUSTED with a retry-after for every further wrong key until its window passes. A
/// valid key is always accepted: clients behind one address (an ingress without a trusted proxy
/// configured, a NAT) share its window, and one of them must not lock the others out. Keys are
/// long random secrets, so the lockout bounds the work wrong keys cost rather than the odds of a guess.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRegistry keys,
    FailedKeyAttempts failedAttempts,
    IOptions<SessionsOptions> sessionsOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ApiKeyHeader = "x-api-key";
    private const string BearerPrefix = "Bearer ";
    private const string BlockedItem = "draggan:failed-keys-retry-after";

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
        if (keys.TenantOf(key) is { } tenant)
            return Task.FromResult(Success(tenant));
        // The connection's address, or the client's behind a trusted proxy (Sessions:ForwardedHeaders).
        var client = Context.Connection.RemoteIpAddress;
        if (failedAttempts.IsBlocked(client, out var retryAfter))
        {
            Context.Items[BlockedItem] = retryAfter;
            return Task.FromResult(AuthenticateResult.Fail("Too many wrong API keys from this address."));
        }
        failedAttempts.Record(client);
        return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Context.Items.TryGetValue(BlockedItem, out var retryAfter)
            ? GrpcStatusResponse.ResourceExhaustedAsync(Context,
                "Too many wrong API keys came from this address; retry later.", retryAfter as TimeSpan?)
            : GrpcStatusResponse.UnauthenticatedAsync(Context,
                "A valid API key is required: send it as 'authorization: Bearer <key>' or 'x-api-key: <key>'.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        GrpcStatusResponse.PermissionDeniedAsync(Context, "The API key does not allow this call.");

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

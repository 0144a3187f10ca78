using DragGan.Sessions.Security;

namespace DragGan.Sessions.Tests.Support;

/// <summary>The tenants and API keys the test hosts are configured with (hashes only, as in production).</summary>
public static class TestTenants
{
    public const string Alpha = "alpha";
    public const string AlphaKey = "alpha-secret-key-0123456789";
    public const string Beta = "beta";
    public const string BetaKey = "beta-secret-key-9876543210";

    public static IEnumerable<KeyValuePair<string, string?>> ApiKeySettings =>
    [
        new("Sessions:ApiKeys:0:Tenant", Alpha),
        new("Sessions:ApiKeys:0:KeyHash", ApiKeyRegistry.HashOf(AlphaKey)),
        new("Sessions:ApiKeys:1:Tenant", Beta),
        new("Sessions:ApiKeys:1:KeyHash", ApiKeyRegistry.HashOf(BetaKey).ToUpperInvariant()),
    ];
}

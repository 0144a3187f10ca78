using System.Security.Cryptography;
using System.Text;

namespace DragGan.Client.Tests.Support;

/// <summary>The tenants and API keys the test session service accepts, configured as the service wants them: tenant and SHA-256 hex of the key.</summary>
public static class TestKeys
{
    public const string Alpha = "alpha";
    public const string AlphaKey = "alpha-client-key-0123456789";
    public const string Beta = "beta";
    public const string BetaKey = "beta-client-key-9876543210";

    public static IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Sessions:ApiKeys:0:Tenant", Alpha),
        new("Sessions:ApiKeys:0:KeyHash", Hash(AlphaKey)),
        new("Sessions:ApiKeys:1:Tenant", Beta),
        new("Sessions:ApiKeys:1:KeyHash", Hash(BetaKey)),
    ];

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

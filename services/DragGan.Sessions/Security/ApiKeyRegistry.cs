using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Security;

/// <summary>
/// The configured API keys, by their SHA-256. Only hashes are held: a leaked configuration does
/// not leak keys. Lookups compare against every hash in constant time, so neither the time a
/// lookup takes nor where it stops tells an attacker anything about a key.
/// </summary>
public sealed class ApiKeyRegistry
{
    private readonly (byte[] Hash, string Tenant)[] _keys;

    public ApiKeyRegistry(IOptions<SessionsOptions> options)
    {
        _keys = options.Value.ApiKeys.Select(k => (Convert.FromHexString(k.KeyHash), k.Tenant)).ToArray();
    }

    public int Count => _keys.Length;

    /// <summary>The tenant of this key, or null when no configured key matches.</summary>
    public string? TenantOf(string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        string? tenant = null;
        foreach (var (candidate, owner) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, candidate))
                tenant = owner;
        }
        return tenant;
    }

    /// <summary>The hash to configure for a key: SHA-256 of its UTF-8 bytes, lowercase hex.</summary>
    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

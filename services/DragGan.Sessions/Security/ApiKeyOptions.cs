namespace DragGan.Sessions.Security;

/// <summary>
/// One API key (<c>Sessions:ApiKeys:&lt;n&gt;</c>): the tenant it acts for and the SHA-256 of the
/// key, hex. The key itself stays with the client and the secret store it came from:
/// <c>printf %s "$KEY" | sha256sum</c> gives the hash.
/// </summary>
public sealed class ApiKeyOptions
{
    /// <summary>The tenant, 1..64 of [A-Za-z0-9._-]. Several keys may share one (rotation).</summary>
    public string Tenant { get; set; } = "";

    /// <summary>SHA-256 of the key's UTF-8 bytes, 64 hex digits (either case).</summary>
    public string KeyHash { get; set; } = "";

    internal IEnumerable<string> Problems(string path)
    {
        if (!TenantNames.IsValid(Tenant))
            yield return $"{path}:Tenant must be 1..64 of [A-Za-z0-9._-], got '{Tenant}'.";
        if (KeyHash.Length != 64 || !KeyHash.All(Uri.IsHexDigit))
            yield return $"{path}:KeyHash must be the SHA-256 of the key as 64 hex digits.";
    }
}

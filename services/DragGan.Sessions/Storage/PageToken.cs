using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace DragGan.Sessions.Storage;

/// <summary>
/// Keyset position in a tenant's listing: the last session returned, by (expiry, id). Opaque to
/// clients (URL-safe base64 of "expiry-ms:id"); both stores order and compare the same way.
/// </summary>
internal readonly record struct PageToken(long ExpiresAtMs, string SessionId)
{
    public const string Field = "page_token";

    public string Encode() => Base64Url.EncodeToString(Encoding.ASCII.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"{ExpiresAtMs}:{SessionId}")));

    /// <exception cref="ArgumentException">Not a token a store issued (parameter "page_token").</exception>
    public static PageToken Decode(string token)
    {
        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(token));
            var colon = text.IndexOf(':');
            if (colon > 0 && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt)
                && Domain.SessionIds.IsWellFormed(text[(colon + 1)..]))
                return new PageToken(expiresAt, text[(colon + 1)..]);
        }
        catch (FormatException)
        {
        }
        throw new ArgumentException($"{Field} is not a token this service issued; pass next_page_token unchanged.", Field);
    }
}

using System.Buffers.Text;
using System.Security.Cryptography;

namespace DragGan.Sessions.Domain;

/// <summary>
/// Session and drag ids: 128 bits from the OS's cryptographic generator, URL-safe base64
/// without padding (22 characters). Unguessable, so an id is never a hint to another session.
/// </summary>
public static class SessionIds
{
    public const int Length = 22;

    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>True for strings shaped like an id this service issues (cheap check before any store access).</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: Length } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

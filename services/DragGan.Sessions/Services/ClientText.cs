namespace DragGan.Sessions.Services;

/// <summary>
/// Text a client sent (a drag id, a model name), as error messages quote it: at most
/// <see cref="MaxQuoted"/> characters, so that no request can make its error message long.
/// </summary>
internal static class ClientText
{
    public const int MaxQuoted = 64;

    public static string Quote(string text) =>
        text.Length <= MaxQuoted ? $"'{text}'" : $"'{text[..MaxQuoted]}…' ({text.Length} characters)";
}

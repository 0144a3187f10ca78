namespace DragGan.Sessions.Security;

/// <summary>Tenant names are part of store keys: a short, plain alphabet keeps them unambiguous.</summary>
internal static class TenantNames
{
    public const int MaxLength = 64;

    public static bool IsValid(string? tenant) =>
        tenant is { Length: > 0 and <= MaxLength } && tenant.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}

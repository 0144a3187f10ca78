namespace DragGan.Hosting;

/// <summary>
/// Request field names in <see cref="ArgumentException"/>s. The engine names fields as its own
/// API sees them ("points[0].handle"); a service call reports them where they sit in the request
/// ("start.points[0].handle").
/// </summary>
public static class FieldNames
{
    /// <summary>The message without .NET's " (Parameter 'field')" suffix.</summary>
    public static string BareMessage(ArgumentException e)
    {
        var message = e.Message;
        if (e.ParamName is not { Length: > 0 } field)
            return message;
        var suffix = $" (Parameter '{field}')";
        var at = message.IndexOf(suffix, StringComparison.Ordinal);
        return at >= 0 ? message.Remove(at, suffix.Length) : message;
    }

    /// <summary>"field: message", or the bare message when it already starts with the field.</summary>
    public static string Describe(ArgumentException e)
    {
        var message = BareMessage(e);
        return e.ParamName is not { Length: > 0 } field || message.StartsWith(field, StringComparison.Ordinal)
            ? message
            : $"{field}: {message}";
    }

    /// <summary>The same error with its field renamed, in the parameter name and where the message leads with it.</summary>
    public static ArgumentException Renamed(ArgumentException e, Func<string, string> rename)
    {
        var field = e.ParamName ?? "";
        var renamed = rename(field);
        var message = BareMessage(e);
        message = field.Length > 0 && message.StartsWith(field, StringComparison.Ordinal)
            ? renamed + message[field.Length..]
            : $"{renamed}: {message}";
        return new ArgumentException(message, renamed, e);
    }

    public static ArgumentException Prefixed(ArgumentException e, string prefix) => Renamed(e, field => prefix + field);
}

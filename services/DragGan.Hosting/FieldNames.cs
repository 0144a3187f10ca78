namespace DragGan.Hosting;

/// <summary>
/// How an <see cref="ArgumentException"/> that no adapter translated reads in a status: its
/// parameter name, then its message.
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
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace DragGan.Cli;

/// <summary>
/// The configuration file: <c>{"address": "http://host:8080", "apiKey": "…", "timeoutSeconds": 30}</c>,
/// every field optional. Read from <c>--config FILE</c>, else <c>$XDG_CONFIG_HOME/draggan/config.json</c>
/// (<c>~/.config/draggan/config.json</c> when XDG_CONFIG_HOME is unset), if it exists.
/// </summary>
internal sealed record ConfigFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string? Address { get; init; }

    public string? ApiKey { get; init; }

    public double? TimeoutSeconds { get; init; }

    /// <summary>The default file's path for this user.</summary>
    public static string DefaultPath(CliEnvironment environment)
    {
        var configHome = environment.GetVariable("XDG_CONFIG_HOME");
        if (string.IsNullOrEmpty(configHome))
            configHome = Path.Combine(environment.HomeDirectory, ".config");
        return Path.Combine(configHome, "draggan", "config.json");
    }

    /// <summary>The file at <paramref name="path"/>; an empty configuration when it is the default path and missing.</summary>
    /// <exception cref="CliException">The file named with --config is missing, or a file is not valid JSON of this shape (exit 3).</exception>
    public static ConfigFile Load(string path, bool explicitlyNamed)
    {
        if (!File.Exists(path))
        {
            if (explicitlyNamed)
                throw new CliException(ExitCodes.BadInput, $"Configuration file '{path}' does not exist.");
            return new ConfigFile();
        }
        try
        {
            return JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(path), Json) ?? new ConfigFile();
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.BadInput, $"Configuration file '{path}' is not valid: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.BadInput, $"Configuration file '{path}' cannot be read: {e.Message}");
        }
    }
}

using System.CommandLine;
using System.Globalization;
using DragGan.Client;

namespace DragGan.Cli;

/// <summary>
/// The options every command takes to reach the service, and how they combine with the
/// environment (DRAGGAN_ADDRESS, DRAGGAN_API_KEY) and the configuration file: a flag wins over a
/// variable, a variable over the file, the file over the defaults.
/// </summary>
internal sealed class ConnectionOptions
{
    public const string AddressVariable = "DRAGGAN_ADDRESS";
    public const string ApiKeyVariable = "DRAGGAN_API_KEY";

    public Option<string> Address { get; } = new("--address")
    {
        Description = $"The session service's gRPC address (default {DragGanClientOptions.DefaultAddress.OriginalString}; or ${AddressVariable}, or the configuration file).",
        Recursive = true,
    };

    public Option<string> ApiKey { get; } = new("--api-key")
    {
        Description = $"API key sent as 'authorization: Bearer KEY' (or ${ApiKeyVariable}, or the configuration file).",
        Recursive = true,
    };

    public Option<string> Config { get; } = new("--config")
    {
        Description = "Configuration file (JSON: address, apiKey, timeoutSeconds); default ~/.config/draggan/config.json.",
        Recursive = true,
    };

    public Option<double?> Timeout { get; } = new("--timeout")
    {
        Description = "Deadline of each call to the service, seconds (default 30; creating from an image has 15 minutes).",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Address, ApiKey, Config, Timeout];

    /// <summary>The client options this command line, environment and configuration file give.</summary>
    /// <exception cref="CliException">A value is malformed (exit 2) or the configuration file is unusable (exit 3).</exception>
    public DragGanClientOptions Resolve(ParseResult parse, CliEnvironment environment)
    {
        var configPath = parse.GetValue(Config);
        var file = ConfigFile.Load(configPath ?? ConfigFile.DefaultPath(environment), explicitlyNamed: configPath is not null);

        var address = parse.GetValue(Address) ?? NonEmpty(environment.GetVariable(AddressVariable)) ?? file.Address;
        var apiKey = parse.GetValue(ApiKey) ?? NonEmpty(environment.GetVariable(ApiKeyVariable)) ?? file.ApiKey;
        var timeout = parse.GetValue(Timeout) ?? file.TimeoutSeconds;

        var options = new DragGanClientOptions { ApiKey = NonEmpty(apiKey) };
        if (address is not null)
            options.Address = ParseAddress(address);
        if (timeout is { } seconds)
        {
            if (!double.IsFinite(seconds) || seconds <= 0)
                throw new CliException(ExitCodes.Usage, $"--timeout must be a positive number of seconds, got {seconds.ToString(CultureInfo.InvariantCulture)}.");
            options.Timeout = TimeSpan.FromSeconds(seconds);
        }
        return options;
    }

    /// <summary>'host:port' is taken as http://host:port, as grpcurl's plain-text addresses.</summary>
    private static Uri ParseAddress(string text)
    {
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0)
            return uri;
        throw new CliException(ExitCodes.Usage, $"The address must look like http://host:port or https://host, got '{text}'.");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

using Grpc.Core;
using Grpc.Net.Client.Configuration;

namespace DragGan.Client;

/// <summary>
/// The channel's retry policy. Only calls that change nothing on the service are retried, and only
/// on UNAVAILABLE (the store or every inference replica out of reach for a moment): repeating a
/// create would make a second session, and a drag is a conversation that the service itself resumes
/// on another replica.
/// </summary>
public static class RetryPolicies
{
    /// <summary>The most attempts gRPC allows a retry policy (more are capped by the channel).</summary>
    public const int MaxAttemptsLimit = 5;

    /// <summary>The methods of draggan.v1.Sessions that are safe to repeat.</summary>
    public static IReadOnlyList<string> RetriedMethods { get; } =
    [
        "GetSession",
        "ListSessions",
        "ExportImage",
        "ExportLatent",
        "ExportAnimation",
        "ListModels",
    ];

    /// <summary>A service config that retries <see cref="RetriedMethods"/> on UNAVAILABLE up to <paramref name="maxAttempts"/> times in all.</summary>
    public static ServiceConfig ServiceConfig(int maxAttempts)
    {
        var config = new ServiceConfig();
        if (maxAttempts <= 1)
            return config;
        var method = new MethodConfig
        {
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = maxAttempts,
                InitialBackoff = TimeSpan.FromMilliseconds(200),
                MaxBackoff = TimeSpan.FromSeconds(2),
                BackoffMultiplier = 2,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };
        foreach (var name in RetriedMethods)
            method.Names.Add(new MethodName { Service = "draggan.v1.Sessions", Method = name });
        config.MethodConfigs.Add(method);
        return config;
    }
}

using System.Security.Cryptography;

namespace DragGan.SoakTests;

/// <summary>
/// redis-server as the chart runs it (helm/draggan/templates/redis-statefulset.yaml): the password
/// on its standard input (<c>redis-server -</c> reads configuration there), so that it is in no
/// process's arguments; protected mode; the append-only file without snapshots; <c>maxmemory</c>
/// with <c>noeviction</c>.
/// </summary>
internal static class RedisServer
{
    /// <summary>A random password of letters and digits, as the chart's Secret holds (a configuration word).</summary>
    public static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <param name="dataDirectory">Where the append-only file goes (the chart's volume).</param>
    public static Task<ServiceProcess> StartAsync(int port, string password, string maxMemory, string dataDirectory) =>
        ServiceProcess.StartAsync("redis", "redis-server",
            ["-", "--port", port.ToString(), "--bind", "127.0.0.1", "--protected-mode", "yes", "--dir", dataDirectory,
             "--appendonly", "yes", "--save", "", "--maxmemory", maxMemory, "--maxmemory-policy", "noeviction"],
            new Dictionary<string, string>(), port, TimeSpan.FromSeconds(10), standardInput: $"requirepass {password}\n");
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace DragGan.SoakTests;

/// <summary>
/// The session service's share of Redis as the chart sets it (helm/draggan/values.yaml,
/// <c>sessions.tenancy</c>), kept in the same proportions to a scaled-down <c>maxmemory</c>: of the
/// bundled 768 MB, 128 MiB headroom (1/6), 192 MiB stored bytes per tenant (1/4) of which 128 MiB
/// drag frames (1/6), and the chart's 200 sessions per tenant, which does not depend on memory
/// (a short run may lower it, so that its quota attack reaches it in time).
/// </summary>
internal sealed record DeployedStoreLimits(long MaxMemoryBytes, long HeadroomBytes, long StoredBytesPerTenant, long DragFrameBytesPerTenant, int SessionsPerTenant)
{
    private const long ChartMaxMemory = 768L << 20;

    public const int ChartSessionsPerTenant = 200;

    public static DeployedStoreLimits ScaledTo(string maxMemory, int sessionsPerTenant = ChartSessionsPerTenant)
    {
        var bytes = RedisBytes(maxMemory);
        long Scaled(long chartBytes) => (long)((double)chartBytes / ChartMaxMemory * bytes);
        return new DeployedStoreLimits(bytes, Scaled(128L << 20), Scaled(192L << 20), Scaled(128L << 20), sessionsPerTenant);
    }

    /// <summary>Bytes of a Redis memory setting: <c>64mb</c> is 64 MiB (Redis's kb, mb and gb are powers of 1024).</summary>
    public static long RedisBytes(string setting)
    {
        var match = Regex.Match(setting, "^([0-9]+)(kb|mb|gb)$", RegexOptions.IgnoreCase);
        if (!match.Success)
            throw new ArgumentException($"--redis-maxmemory '{setting}': give a size such as 64mb.");
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * match.Groups[2].Value.ToLowerInvariant() switch
        {
            "kb" => 1L << 10,
            "mb" => 1L << 20,
            _ => 1L << 30,
        };
    }

    /// <summary>The environment variables the chart's session Deployment sets from these.</summary>
    public Dictionary<string, string> Environment() => new()
    {
        ["Sessions__TenantQuota__Sessions"] = SessionsPerTenant.ToString(CultureInfo.InvariantCulture),
        ["Sessions__TenantQuota__StoredBytes"] = StoredBytesPerTenant.ToString(CultureInfo.InvariantCulture),
        ["Sessions__MaxDragFrameBytesPerTenant"] = DragFrameBytesPerTenant.ToString(CultureInfo.InvariantCulture),
        ["Sessions__StoreBudget__HeadroomBytes"] = HeadroomBytes.ToString(CultureInfo.InvariantCulture),
    };
}

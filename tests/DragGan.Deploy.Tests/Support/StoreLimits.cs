namespace DragGan.Deploy.Tests.Support;

/// <summary>How the session service's tenant quotas and store headroom must sit within Redis's maxmemory.</summary>
public static class StoreLimits
{
    /// <summary>Bytes of a Redis memory setting such as <c>768mb</c>.</summary>
    public static long MaxMemoryBytes(string setting)
    {
        var match = System.Text.RegularExpressions.Regex.Match(setting, "^([0-9]+)(kb|mb|gb)$");
        Assert.True(match.Success, $"maxmemory '{setting}'.");
        return long.Parse(match.Groups[1].Value) * match.Groups[2].Value switch { "kb" => 1024L, "mb" => 1024L * 1024, _ => 1024L * 1024 * 1024 };
    }

    /// <param name="source">Where the settings come from, for the messages.</param>
    /// <param name="maxMemory">Redis's maxmemory in bytes.</param>
    /// <param name="setting">The session service's environment variable of a name, or null when unset.</param>
    public static void AssertFit(string source, long maxMemory, Func<string, string?> setting)
    {
        long Required(string name) => long.Parse(setting(name) ?? throw new Xunit.Sdk.XunitException($"{source}: {name} is not set."));
        var headroom = Required("Sessions__StoreBudget__HeadroomBytes");
        var tenantBytes = Required("Sessions__TenantQuota__StoredBytes");
        var frameBytes = Required("Sessions__MaxDragFrameBytesPerTenant");
        Assert.True(Required("Sessions__TenantQuota__Sessions") >= 1, $"{source}: a tenant may keep no session.");
        Assert.InRange(headroom, maxMemory / 16, maxMemory / 4);
        var budget = maxMemory - headroom;
        Assert.True(tenantBytes <= budget / 2, $"{source}: one tenant's {tenantBytes} bytes can take more than half the store's budget of {budget}.");
        Assert.True(frameBytes <= tenantBytes, $"{source}: a tenant's frames ({frameBytes}) exceed its stored bytes ({tenantBytes}).");
    }
}

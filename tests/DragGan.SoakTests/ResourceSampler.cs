using StackExchange.Redis;

namespace DragGan.SoakTests;

/// <summary>
/// Samples Redis's memory (<c>used_memory</c>, and Redis's own <c>used_memory_peak</c>) and each
/// service's resident memory once a second; keeps the peaks and the last.
/// </summary>
internal sealed class ResourceSampler(IConnectionMultiplexer redis, IReadOnlyList<ServiceProcess> services)
{
    private readonly Dictionary<string, (double Peak, double Last)> _values = [];

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await SampleAsync();
            try
            {
                await Task.Delay(1000, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task SampleAsync()
    {
        var server = redis.GetServers()[0];
        var memory = (await server.InfoAsync("memory")).SelectMany(group => group).ToDictionary(pair => pair.Key, pair => pair.Value);
        Set("redis_used_memory_mib", double.Parse(memory["used_memory"]) / (1 << 20));
        // Redis's own peak, between samples too.
        Set("redis_used_memory_peak_mib", double.Parse(memory["used_memory_peak"]) / (1 << 20));
        foreach (var service in services)
            Set($"{service.Name}_rss_mib", service.ResidentMiB());
    }

    /// <summary>The highest value of <paramref name="key"/> so far.</summary>
    public double Peak(string key)
    {
        lock (_values)
            return _values.TryGetValue(key, out var value) ? value.Peak : 0;
    }

    public Dictionary<string, object> Summary()
    {
        lock (_values)
        {
            return _values.ToDictionary(kv => kv.Key, kv => (object)new Dictionary<string, double>
            {
                ["peak"] = Math.Round(kv.Value.Peak, 1),
                ["last"] = Math.Round(kv.Value.Last, 1),
            });
        }
    }

    private void Set(string key, double value)
    {
        lock (_values)
            _values[key] = (Math.Max(value, _values.TryGetValue(key, out var old) ? old.Peak : 0), value);
    }
}

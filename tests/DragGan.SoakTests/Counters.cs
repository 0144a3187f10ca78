using System.Collections.Concurrent;

namespace DragGan.SoakTests;

/// <summary>Named counts, safe to add to from any task; reported grouped by the name's first part.</summary>
internal sealed class Counters
{
    private readonly ConcurrentDictionary<string, long> _counts = new();
    private readonly ConcurrentDictionary<string, string> _examples = new();

    public void Add(string group, string name, long by = 1) =>
        _counts.AddOrUpdate($"{group}\u0001{name}", by, (_, count) => count + by);

    /// <summary>Counts a refusal under its reason, keeping the first message of each reason as its example.</summary>
    public void Refused(string group, string prefix, Grpc.Core.RpcException error)
    {
        var name = $"{prefix}refused {RefusalReason.Of(error)}";
        Add(group, name);
        _examples.TryAdd($"{group}: {name}", error.Status.Detail);
    }

    /// <summary>The first message of each kind of refusal.</summary>
    public SortedDictionary<string, string> Examples() => new(_examples, StringComparer.Ordinal);

    public long Get(string group, string name) => _counts.GetValueOrDefault($"{group}\u0001{name}");

    /// <summary>The sum of a group's counts whose names start with <paramref name="prefix"/>.</summary>
    public long Sum(string group, string prefix) => _counts
        .Where(kv => kv.Key.StartsWith($"{group}\u0001{prefix}", StringComparison.Ordinal)).Sum(kv => kv.Value);

    public SortedDictionary<string, SortedDictionary<string, long>> ByGroup()
    {
        var groups = new SortedDictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
        foreach (var (key, count) in _counts)
        {
            var split = key.IndexOf('\u0001');
            var group = key[..split];
            if (!groups.TryGetValue(group, out var names))
                groups[group] = names = new SortedDictionary<string, long>(StringComparer.Ordinal);
            names[key[(split + 1)..]] = count;
        }
        return groups;
    }
}

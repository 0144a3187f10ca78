using System.Collections.Concurrent;

namespace DragGan.SoakTests;

/// <summary>Durations of one kind of operation, and the errors met doing it, keyed by operation.</summary>
internal sealed class Latencies
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _samples = new();
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private readonly ConcurrentQueue<string> _errorSamples = new();

    public void Record(string operation, TimeSpan elapsed) =>
        _samples.GetOrAdd(operation, _ => []).Add(elapsed.TotalMilliseconds);

    public void Error(string operation, Exception error)
    {
        var key = $"{operation}: {Describe(error)}";
        _errors.AddOrUpdate(key, 1, (_, count) => count + 1);
        if (_errorSamples.Count < 20)
            _errorSamples.Enqueue($"{operation}: {error.Message}");
    }

    public int ErrorCount => _errors.Values.Sum();

    public IReadOnlyDictionary<string, int> ErrorsByKind => _errors.ToDictionary();

    public IReadOnlyList<string> ErrorSamples => [.. _errorSamples];

    public Dictionary<string, object> Summary() => _samples.ToDictionary(kv => kv.Key, kv =>
    {
        var sorted = kv.Value.Order().ToArray();
        return (object)new Dictionary<string, object>
        {
            ["count"] = sorted.Length,
            ["p50_ms"] = Math.Round(Percentile(sorted, 0.5), 1),
            ["p99_ms"] = Math.Round(Percentile(sorted, 0.99), 1),
            ["max_ms"] = Math.Round(sorted[^1], 1),
        };
    });

    private static string Describe(Exception error) => error switch
    {
        Grpc.Core.RpcException rpc => rpc.StatusCode.ToString(),
        _ => error.GetType().Name,
    };

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Min(sorted.Length - 1, Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1))];
}

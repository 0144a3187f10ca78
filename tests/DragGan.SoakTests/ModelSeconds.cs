using System.Globalization;
using System.Text.RegularExpressions;

namespace DragGan.SoakTests;

/// <summary>
/// Each tenant's time on the model, from the inference service's Prometheus counter
/// <c>draggan_inference_model_seconds_total</c>: what the gate charged, so the soak can show each
/// tenant's share of the model beside its step rate.
/// </summary>
internal sealed partial class ModelSeconds(int metricsPort)
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>Seconds per tenant so far, all models summed.</summary>
    public async Task<Dictionary<string, double>> ReadAsync()
    {
        var text = await _http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match line in CounterLine().Matches(text))
        {
            var tenant = line.Groups["tenant"].Value;
            seconds[tenant] = seconds.GetValueOrDefault(tenant) + double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return seconds;
    }

    /// <summary>Each tenant's seconds between two readings, and its share of their sum.</summary>
    public static Dictionary<string, object> Between(Dictionary<string, double> before, Dictionary<string, double> after)
    {
        var used = after.ToDictionary(kv => kv.Key.Length == 0 ? "(none)" : kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key));
        var total = used.Values.Sum();
        return used.Where(kv => kv.Value > 0).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(
            kv => kv.Key,
            kv => (object)new Dictionary<string, double> { ["seconds"] = Math.Round(kv.Value, 1), ["share"] = total > 0 ? Math.Round(kv.Value / total, 3) : 0 });
    }

    [GeneratedRegex(@"(?m)^draggan_inference_model_seconds_total\{[^}]*tenant=""(?<tenant>[^""]*)""[^}]*\} (?<value>\S+)")]
    private static partial Regex CounterLine();
}

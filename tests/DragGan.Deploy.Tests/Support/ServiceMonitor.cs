using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace DragGan.Deploy.Tests.Support;

/// <summary>
/// The Prometheus operator's ServiceMonitor (monitoring.coreos.com/v1), the fields the chart uses:
/// parsed strictly like the built-in kinds, so a misspelt field fails.
/// </summary>
public sealed class ServiceMonitor : IKubernetesObject<V1ObjectMeta>
{
    public const string ApiGroupVersion = "monitoring.coreos.com/v1";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = ApiGroupVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = "ServiceMonitor";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ServiceMonitorSpec Spec { get; set; } = new();
}

public sealed class ServiceMonitorSpec
{
    [JsonPropertyName("selector")] public V1LabelSelector Selector { get; set; } = new();
    [JsonPropertyName("namespaceSelector")] public NamespaceSelector? NamespaceSelector { get; set; }
    [JsonPropertyName("endpoints")] public List<ServiceMonitorEndpoint> Endpoints { get; set; } = [];
}

public sealed class NamespaceSelector
{
    [JsonPropertyName("matchNames")] public List<string> MatchNames { get; set; } = [];
}

public sealed class ServiceMonitorEndpoint
{
    [JsonPropertyName("port")] public string? Port { get; set; }
    [JsonPropertyName("path")] public string? Path { get; set; }
    [JsonPropertyName("interval")] public string? Interval { get; set; }
    [JsonPropertyName("scrapeTimeout")] public string? ScrapeTimeout { get; set; }
}

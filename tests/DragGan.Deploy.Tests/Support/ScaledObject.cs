using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace DragGan.Deploy.Tests.Support;

/// <summary>
/// KEDA's ScaledObject (keda.sh/v1alpha1), the fields the chart uses: parsed strictly like the
/// built-in kinds, so a misspelt field fails. Its HPA behaviour is the built-in type's.
/// </summary>
public sealed class ScaledObject : IKubernetesObject<V1ObjectMeta>
{
    public const string ApiGroupVersion = "keda.sh/v1alpha1";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = ApiGroupVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = "ScaledObject";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ScaledObjectSpec Spec { get; set; } = new();
}

public sealed class ScaledObjectSpec
{
    [JsonPropertyName("scaleTargetRef")] public V2CrossVersionObjectReference ScaleTargetRef { get; set; } = new();
    [JsonPropertyName("minReplicaCount")] public int? MinReplicaCount { get; set; }
    [JsonPropertyName("maxReplicaCount")] public int? MaxReplicaCount { get; set; }
    [JsonPropertyName("pollingInterval")] public int? PollingInterval { get; set; }
    [JsonPropertyName("cooldownPeriod")] public int? CooldownPeriod { get; set; }
    [JsonPropertyName("advanced")] public ScaledObjectAdvanced? Advanced { get; set; }
    [JsonPropertyName("triggers")] public List<ScaleTrigger> Triggers { get; set; } = [];
}

public sealed class ScaledObjectAdvanced
{
    [JsonPropertyName("horizontalPodAutoscalerConfig")] public HorizontalPodAutoscalerConfig? HorizontalPodAutoscalerConfig { get; set; }
}

public sealed class HorizontalPodAutoscalerConfig
{
    [JsonPropertyName("behavior")] public V2HorizontalPodAutoscalerBehavior? Behavior { get; set; }
}

public sealed class ScaleTrigger
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("metricType")] public string? MetricType { get; set; }
    [JsonPropertyName("metadata")] public Dictionary<string, string> Metadata { get; set; } = [];
}

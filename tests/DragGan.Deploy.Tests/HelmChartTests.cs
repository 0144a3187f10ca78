using System.Text.Json.Nodes;
using DragGan.Deploy.Tests.Support;
using Json.Schema;
using k8s.Models;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;
using static DragGan.Deploy.Tests.Support.ManifestAssertions;

namespace DragGan.Deploy.Tests;

/// <summary>
/// The Helm chart: Chart.yaml, values.yaml and the example values files against
/// values.schema.json (always), and, where helm is installed, lint and the rendered manifests
/// parsed strictly and held to the same rules as the kustomize renderings.
/// </summary>
public class HelmChartTests
{
    private static readonly string[] ExampleValues = Directory
        .GetFiles(Repo.Path("helm", "draggan", "ci"), "*-values.yaml")
        .Select(Path.GetFileName)
        .OfType<string>()
        .Order()
        .ToArray();

    public static TheoryData<string> ExampleValuesFiles => new(ExampleValues);

    private static JsonSchema Schema => JsonSchema.FromText(Repo.Read("helm", "draggan", "values.schema.json"));

    private static JsonNode Defaults => YamlJson.ParseFile("helm", "draggan", "values.yaml")
        ?? throw new InvalidOperationException("values.yaml is empty.");

    private static EvaluationResults Validate(JsonNode? values) =>
        Schema.Evaluate(System.Text.Json.JsonSerializer.SerializeToElement(values),
            new EvaluationOptions { OutputFormat = OutputFormat.List });

    private static string Errors(EvaluationResults results) => string.Join("\n",
        (results.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")));

    public sealed class ChartMetadata
    {
        public string ApiVersion { get; set; } = "";
        public string Name { get; set; } = "";
        public string Description { get; set; } = "";
        public string Type { get; set; } = "";
        public string Version { get; set; } = "";
        public string AppVersion { get; set; } = "";
        public string KubeVersion { get; set; } = "";
        public List<string> Keywords { get; set; } = [];
    }

    [Fact]
    public void ChartYaml_ParsesAsAnApplicationChart()
    {
        // Unknown keys fail: the deserializer does not ignore unmatched properties.
        var chart = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build()
            .Deserialize<ChartMetadata>(Repo.Read("helm", "draggan", "Chart.yaml"));
        Assert.Equal("v2", chart.ApiVersion);
        Assert.Equal("draggan", chart.Name);
        Assert.Equal("application", chart.Type);
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", chart.Version);
        Assert.False(string.IsNullOrWhiteSpace(chart.AppVersion));
        Assert.False(string.IsNullOrWhiteSpace(chart.Description));
        // gRPC probes and the preStop sleep action need Kubernetes 1.30.
        Assert.Equal(">=1.30.0-0", chart.KubeVersion);
        Assert.True(File.Exists(Repo.Path("helm", "draggan", "templates", "NOTES.txt")));
        Assert.True(File.Exists(Repo.Path("helm", "draggan", "templates", "_helpers.tpl")));
    }

    [Fact]
    public void Schema_IsDraft7AndClosed()
    {
        var schema = JsonNode.Parse(Repo.Read("helm", "draggan", "values.schema.json"))!;
        Assert.Equal("http://json-schema.org/draft-07/schema#", (string?)schema["$schema"]);
        Assert.False((bool?)schema["additionalProperties"]);
        Assert.NotNull(Schema);
    }

    [Fact]
    public void ValuesYaml_IsValid()
    {
        var results = Validate(Defaults);
        Assert.True(results.IsValid, Errors(results));
    }

    [Theory]
    [MemberData(nameof(ExampleValuesFiles))]
    public void ExampleValues_AreValidAlone_AndMergedOverTheDefaults(string file)
    {
        Assert.NotEmpty(ExampleValues);
        var overrides = YamlJson.ParseFile("helm", "draggan", "ci", file);
        var merged = YamlJson.Merge(Defaults, overrides);
        var results = Validate(merged);
        Assert.True(results.IsValid, $"{file}:\n{Errors(results)}");
    }

    public static TheoryData<string, string> InvalidValues => new()
    {
        { "a latest tag", "inference: {image: {tag: latest}}" },
        { "an unknown key", "inference: {gpus: 2}" },
        { "an unknown top-level key", "replicaCount: 3" },
        { "a GPU count that is not a number", "inference: {gpu: {count: one}}" },
        { "zero GPUs", "inference: {gpu: {count: 0}}" },
        { "an unknown device", "inference: {device: tpu}" },
        { "a port out of range", "inference: {ports: {grpc: 70000}}" },
        { "a model without file or url", "inference: {models: {catalog: [{name: ffhq}]}}" },
        { "a download without checksum", "inference: {models: {catalog: [{name: ffhq, url: 'https://x/ffhq.pkl'}]}}" },
        { "a short checksum", "inference: {models: {catalog: [{name: ffhq, url: 'https://x/ffhq.pkl', sha256: abc}]}}" },
        { "a model name with a slash", "inference: {models: {catalog: [{name: 'a/b', file: a.pkl}]}}" },
        { "a checkpoint URL that is neither .pkl nor .safetensors", "inference: {models: {catalog: [{name: a, url: 'https://x/a.zip', sha256: '" + new string('a', 64) + "'}]}}" },
        { "two volume sources", "inference: {models: {volume: {emptyDir: {}, hostPath: {path: /m}}}}" },
        { "an API key in clear instead of its hash", "sessions: {apiKeys: [{tenant: a, keyHash: my-secret-key}]}" },
        { "an external Redis with no address", "redis: {mode: external}" },
        { "an unknown Redis mode", "redis: {mode: cluster}" },
        { "a probe period of zero", "inference: {probes: {readiness: {periodSeconds: 0}}}" },
        { "a service type that does not exist", "sessions: {service: {type: Ingress}}" },
        { "an HTTP probe path (the session service has no HTTP health endpoint)", "sessions: {probes: {path: /healthz}}" },
        { "the old single sessions port", "sessions: {ports: {http: 8080}}" },
        { "a sessions web port out of range", "sessions: {ports: {web: 0}}" },
        { "an unknown GPU sharing mode", "inference: {gpu: {sharing: mps}}" },
        { "a MIG profile that is not one", "inference: {gpu: {sharing: mig, migProfile: half}}" },
        { "a step saturation above 1 (busy more than all the time)", "inference: {autoscaling: {stepSaturation: {enabled: true, metricName: m, targetAverageValue: 1.5}}}" },
        { "a KEDA Prometheus address that is not a URL", "inference: {autoscaling: {keda: {enabled: true, serverAddress: prometheus:9090}}}" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void Schema_RefusesInvalidValues(string what, string yaml)
    {
        var merged = YamlJson.Merge(Defaults, YamlJson.Parse(yaml));
        Assert.False(Validate(merged).IsValid, $"The schema accepts {what}.");
    }

    /// <summary>The chart's defaults and the kustomize base agree on ports, probes, shutdown and capacity.</summary>
    [Fact]
    public void Defaults_AgreeWithTheKustomizeBase()
    {
        var values = Defaults;
        var inferenceValues = values["inference"]!;
        var set = ManifestSet.RenderKustomize("base");
        var (deployment, container) = Inference(set);

        Assert.Equal((int)inferenceValues["ports"]!["grpc"]!, ContainerPort(container, "grpc"));
        Assert.Equal((int)inferenceValues["ports"]!["metrics"]!, ContainerPort(container, "metrics"));
        Assert.Equal((int)inferenceValues["maxActiveStreams"]!, int.Parse(RequiredEnv(container, "Inference__MaxActiveStreams")));
        Assert.Equal((string)inferenceValues["device"]!, RequiredEnv(container, "ModelRegistry__Device"));
        // The built-in face model is the default wherever no checkpoint is configured, the demo model beside it.
        var models = inferenceValues["models"]!;
        Assert.Equal(((bool)models["includeFacesModel"]!, (bool)models["includeDemoModel"]!), (true, true));
        Assert.Equal(("true", "true"), (RequiredEnv(container, "ModelRegistry__IncludeFacesModel"), RequiredEnv(container, "ModelRegistry__IncludeDemoModel")));
        var shutdown = inferenceValues["shutdown"]!;
        Assert.Equal((long)shutdown["terminationGracePeriodSeconds"]!, deployment.Spec.Template.Spec.TerminationGracePeriodSeconds);
        Assert.Equal((long)shutdown["preStopSleepSeconds"]!, container.Lifecycle.PreStop.Sleep.Seconds);
        Assert.Equal((int)shutdown["drainSeconds"]!, int.Parse(RequiredEnv(container, "Inference__ShutdownDrainSeconds")));
        AssertProbe(inferenceValues["probes"]!["startup"]!, container.StartupProbe);
        AssertProbe(inferenceValues["probes"]!["readiness"]!, container.ReadinessProbe);
        AssertProbe(inferenceValues["probes"]!["liveness"]!, container.LivenessProbe);
        Assert.Equal((int)inferenceValues["gpu"]!["count"]!, container.Resources.Limits[GpuResource].ToInt32());
        Assert.Equal((string)inferenceValues["image"]!["tag"]!, container.Image.Split(':')[^1]);

        var hpa = set.One<V2HorizontalPodAutoscaler>("inference");
        var autoscaling = inferenceValues["autoscaling"]!;
        Assert.Equal((int)autoscaling["minReplicas"]!, hpa.Spec.MinReplicas);
        Assert.Equal((int)autoscaling["maxReplicas"]!, hpa.Spec.MaxReplicas);
        Assert.Equal((decimal)(long)autoscaling["activeStreams"]!["targetAverageValue"]!,
            hpa.Spec.Metrics.Single(m => m.Type == "Pods").Pods.Target.AverageValue.ToDecimal());
        Assert.Equal((string)autoscaling["activeStreams"]!["metricName"]!, hpa.Spec.Metrics.Single(m => m.Type == "Pods").Pods.Metric.Name);
        Assert.Equal((int)autoscaling["scaleDownStabilizationSeconds"]!, hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds);

        var sessionsValues = values["sessions"]!;
        var (sessionsDeployment, sessions) = Sessions(set);
        Assert.Equal((int)sessionsValues["ports"]!["grpc"]!, ContainerPort(sessions, "grpc"));
        Assert.Equal((int)sessionsValues["ports"]!["web"]!, ContainerPort(sessions, "web"));
        Assert.Equal((int)sessionsValues["ports"]!["metrics"]!, ContainerPort(sessions, "metrics"));
        Assert.Equal((long)sessionsValues["shutdown"]!["terminationGracePeriodSeconds"]!, sessionsDeployment.Spec.Template.Spec.TerminationGracePeriodSeconds);
        Assert.Equal((long)sessionsValues["shutdown"]!["preStopSleepSeconds"]!, sessions.Lifecycle.PreStop.Sleep.Seconds);
        var sessionsProbes = sessionsValues["probes"]!;
        Assert.Equal((string)sessionsProbes["grpcService"]!, sessions.StartupProbe.Grpc.Service ?? "");
        Assert.Equal((string)sessionsProbes["grpcService"]!, sessions.ReadinessProbe.Grpc.Service ?? "");
        Assert.Equal((string)sessionsProbes["livenessGrpcService"]!, sessions.LivenessProbe.Grpc.Service);
        AssertProbe(sessionsValues["probes"]!["readiness"]!, sessions.ReadinessProbe);
        AssertProbe(sessionsValues["probes"]!["liveness"]!, sessions.LivenessProbe);
        AssertProbe(sessionsValues["probes"]!["startup"]!, sessions.StartupProbe);

        var redisImage = set.One<V1StatefulSet>("redis").Spec.Template.Spec.Containers[0].Image;
        Assert.Equal($"{values["redis"]!["bundled"]!["image"]!["repository"]}:{values["redis"]!["bundled"]!["image"]!["tag"]}", redisImage);

        static void AssertProbe(JsonNode expected, V1Probe actual)
        {
            Assert.Equal((int)expected["periodSeconds"]!, actual.PeriodSeconds);
            Assert.Equal((int)expected["timeoutSeconds"]!, actual.TimeoutSeconds);
            Assert.Equal((int)expected["failureThreshold"]!, actual.FailureThreshold);
        }
    }

    // ---- With helm installed (deploy/tools/install.sh, or on PATH): lint and render. ----

    private static string RequireHelm() =>
        Tools.Helm ?? throw new SkipException("helm not found (PATH, $HELM, deploy/tools/bin): lint and render checks skipped.");

    [SkippableFact]
    public void HelmLint_PassesStrictly_WithEveryValuesFile()
    {
        var helm = RequireHelm();
        Tools.RunChecked(helm, "lint", "--strict", Repo.Path("helm", "draggan"));
        foreach (var file in ExampleValues)
            Tools.RunChecked(helm, "lint", "--strict", Repo.Path("helm", "draggan"), "-f", Repo.Path("helm", "draggan", "ci", file));
    }

    [SkippableFact]
    public void HelmTemplate_Defaults_HoldEveryDeploymentRule()
    {
        var set = ManifestSet.RenderHelm(RequireHelm(), null);
        ManifestAssertions.All(set, new Expectations(Gpu: true, BundledRedis: true, InferenceAutoscaling: true,
            ActiveStreamsMetric: true, new HashSet<string>()));
        // Client-side balancing over the headless Service, by its fully qualified name.
        Assert.Equal("dns:///draggan-inference-headless.draggan.svc.cluster.local:50051",
            RequiredEnv(Sessions(set).Container, "Sessions__InferenceAddress"));
        var (deployment, _) = Inference(set);
        Assert.Equal("nvidia", deployment.Spec.Template.Spec.RuntimeClassName);
        Assert.NotNull(Assert.Single(deployment.Spec.Template.Spec.Volumes, v => v.Name == "models").EmptyDir);
        Assert.Empty(set.All<ServiceMonitor>());
    }

    [SkippableFact]
    public void HelmTemplate_GpuExample_FetchesCheckpointsAndSchedulesOnTheGpuProduct()
    {
        var set = ManifestSet.RenderHelm(RequireHelm(), "ci/gpu-a100-values.yaml");
        ManifestAssertions.All(set, new Expectations(Gpu: true, BundledRedis: true, InferenceAutoscaling: true,
            ActiveStreamsMetric: true, new HashSet<string>()));
        var (deployment, container) = Inference(set);
        var pod = deployment.Spec.Template.Spec;
        Assert.Equal("NVIDIA-A100-SXM4-80GB", pod.NodeSelector["nvidia.com/gpu.product"]);
        var fetch = Assert.Single(pod.InitContainers);
        Assert.Equal(container.Image, fetch.Image);
        Assert.Equal(["fetch-models"], fetch.Args);
        var spec = Assert.Single(fetch.Env, e => e.Name == "DRAGGAN_MODEL_FETCH").Value;
        Assert.Matches(@"^ffhq https://\S+\.pkl [0-9a-f]{64}$", spec);
        // The service finds the file where the entrypoint saves it: <name>.<extension of the URL>.
        Assert.Equal("ffhq.pkl", RequiredEnv(container, "ModelRegistry__Models__ffhq__Path"));
        Assert.Equal("converted/stylegan2-afhqcat-512x512.safetensors", RequiredEnv(container, "ModelRegistry__Models__cat__Path"));
        Assert.Equal("Native", RequiredEnv(container, "ModelRegistry__Models__cat__Format"));
        Assert.Equal(("false", "false"), (RequiredEnv(container, "ModelRegistry__IncludeFacesModel"), RequiredEnv(container, "ModelRegistry__IncludeDemoModel")));
        Assert.Equal("draggan-models", Assert.Single(pod.Volumes, v => v.Name == "models").PersistentVolumeClaim.ClaimName);

        var monitors = set.All<ServiceMonitor>().ToList();
        Assert.Equal(2, monitors.Count);
        Assert.All(monitors, m => Assert.Equal("metrics", Assert.Single(m.Spec.Endpoints).Port));
        Assert.Contains(monitors, m => ManifestSet.Selects(m.Spec.Selector, Assert.Single(set.OfComponent<V1Service>("inference")).Metadata.Labels));
        // The sessions monitor scrapes the Service's metrics port, which leads to the port the service serves /metrics on.
        var sessionsService = Assert.Single(set.OfComponent<V1Service>("sessions"));
        Assert.Contains(monitors, m => ManifestSet.Selects(m.Spec.Selector, sessionsService.Metadata.Labels));
        var metricsPort = Assert.Single(sessionsService.Spec.Ports, p => p.Name == "metrics");
        Assert.Equal("metrics", metricsPort.TargetPort.Value);
        var sessionsContainer = Sessions(set).Container;
        Assert.Equal(RequiredEnv(sessionsContainer, "Sessions__MetricsPort"), ContainerPort(sessionsContainer, "metrics").ToString());

        var secret = Assert.Single(set.OfComponent<V1Secret>("sessions"));
        Assert.Equal("acme", secret.StringData["Sessions__ApiKeys__0__Tenant"]);
        // The bundled Redis's password: the chart's own Secret, random.
        var redisAuth = Assert.Single(set.OfComponent<V1Secret>("redis"));
        Assert.True(redisAuth.Data["password"].Length >= 32);
    }

    [SkippableFact]
    public void HelmTemplate_CpuExample_RequestsNoGpu()
    {
        var set = ManifestSet.RenderHelm(RequireHelm(), "ci/cpu-values.yaml");
        ManifestAssertions.All(set, new Expectations(Gpu: false, BundledRedis: true, InferenceAutoscaling: true,
            ActiveStreamsMetric: true, new HashSet<string>()));
        var pod = Inference(set).Deployment.Spec.Template.Spec;
        Assert.Null(pod.RuntimeClassName);
        Assert.Null(pod.InitContainers);
    }

    [SkippableFact]
    public void HelmTemplate_ExternalRedisExample_UsesTheGivenSecretsAndFixedReplicas()
    {
        var set = ManifestSet.RenderHelm(RequireHelm(), "ci/external-redis-values.yaml");
        ManifestAssertions.All(set, new Expectations(Gpu: true, BundledRedis: false, InferenceAutoscaling: false,
            ActiveStreamsMetric: false, new HashSet<string> { "draggan-redis", "draggan-api-keys" }));
        Assert.Empty(set.All<V1Secret>());
        Assert.Empty(set.All<V2HorizontalPodAutoscaler>());
        Assert.Equal(2, Inference(set).Deployment.Spec.Replicas);
        Assert.Equal(3, Sessions(set).Deployment.Spec.Replicas);
        var (deployment, container) = Inference(set);
        Assert.Equal(150, deployment.Spec.Template.Spec.TerminationGracePeriodSeconds);
        Assert.Equal("120", RequiredEnv(container, "Inference__ShutdownDrainSeconds"));
        var sessionsPolicy = set.One<V1NetworkPolicy>("sessions");
        var rule = Assert.Single(sessionsPolicy.Spec.Ingress);
        Assert.Equal("ingress-nginx", Assert.Single(rule.FromProperty).NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        // The ingress controller reaches both the gRPC and the web port, and nothing else.
        Assert.Equal(["8080", "8081"], rule.Ports.Select(p => p.Port.Value).Order().ToArray());
    }

    [SkippableFact]
    public void HelmTemplate_MigKedaExample_RequestsAMigInstanceAndScalesWithKedaOnStreamsAndSaturation()
    {
        var set = ManifestSet.RenderHelm(RequireHelm(), "ci/gpu-mig-keda-values.yaml");
        ManifestAssertions.All(set, new Expectations(Gpu: true, BundledRedis: true, InferenceAutoscaling: true,
            ActiveStreamsMetric: true, new HashSet<string>(), GpuResourceName: "nvidia.com/mig-3g.40gb", Keda: true));
        var (_, container) = Inference(set);
        Assert.Equal(("8", "4"), (RequiredEnv(container, "Inference__MaxActiveStreams"), RequiredEnv(container, "Inference__MaxBatchSize")));

        var scaled = Assert.Single(set.All<ScaledObject>());
        Assert.Equal((2, 14, 15), (scaled.Spec.MinReplicaCount, scaled.Spec.MaxReplicaCount, scaled.Spec.PollingInterval));
        var saturation = Assert.Single(scaled.Spec.Triggers, t => t.Name == "step-saturation");
        Assert.Equal(("prometheus", "AverageValue", "0.75"), (saturation.Type, saturation.MetricType, saturation.Metadata["threshold"]));
        Assert.Equal("http://prometheus-operated.monitoring.svc:9090", saturation.Metadata["serverAddress"]);
        // Seconds spent stepping per second, summed over this release's replicas (KEDA divides by their count).
        Assert.Equal("sum(rate(draggan_inference_step_seconds_sum{namespace=\"draggan\",pod=~\"draggan-inference-.*\"}[2m]))", saturation.Metadata["query"]);
        Assert.Equal("6", Assert.Single(scaled.Spec.Triggers, t => t.Name == "active-streams").Metadata["threshold"]);
        // The HPA KEDA makes scales down like the chart's own: one replica per 5 minutes after 10 quiet ones.
        var scaleDown = scaled.Spec.Advanced!.HorizontalPodAutoscalerConfig!.Behavior!.ScaleDown;
        Assert.Equal(600, scaleDown.StabilizationWindowSeconds);
        var policy = Assert.Single(scaleDown.Policies);
        Assert.Equal(("Pods", 1, 300), (policy.Type, policy.Value, policy.PeriodSeconds));
    }

    [SkippableFact]
    public void HelmTemplate_TimeSlicingExample_RequestsASharedGpuAndScalesOnStepSaturation()
    {
        var set = ManifestSet.RenderHelm(RequireHelm(), "ci/gpu-timeslicing-values.yaml");
        ManifestAssertions.All(set, new Expectations(Gpu: true, BundledRedis: true, InferenceAutoscaling: true,
            ActiveStreamsMetric: true, new HashSet<string>(), GpuResourceName: "nvidia.com/gpu.shared"));
        var hpa = set.One<V2HorizontalPodAutoscaler>("inference");
        var saturation = Assert.Single(hpa.Spec.Metrics, m => m.Type == "Pods" && m.Pods.Metric.Name == "draggan_inference_step_busy_ratio");
        Assert.Equal(("AverageValue", 0.7m), (saturation.Pods.Target.Type, saturation.Pods.Target.AverageValue.ToDecimal()));
        Assert.Empty(set.All<ScaledObject>());
    }

    [SkippableFact]
    public void HelmTemplate_Defaults_RequestWholeGpusWithoutSaturationOrKeda()
    {
        var set = ManifestSet.RenderHelm(RequireHelm(), null);
        var hpa = set.One<V2HorizontalPodAutoscaler>("inference");
        Assert.DoesNotContain(hpa.Spec.Metrics, m => m.Type == "Pods" && m.Pods.Metric.Name == "draggan_inference_step_busy_ratio");
        Assert.Empty(set.All<ScaledObject>());
        Assert.Equal("1", Inference(set).Container.Resources.Limits["nvidia.com/gpu"].ToString());
    }

    [SkippableFact]
    public void HelmTemplate_OtherSessionsPorts_AreUsedByKestrelTheProbesTheServiceAndThePolicy()
    {
        var set = ManifestSet.RenderHelm(RequireHelm(), null, settings:
            ["--set", "sessions.ports.grpc=9000", "--set", "sessions.ports.web=9001", "--set", "sessions.ports.metrics=9102",
             "--set", "sessions.probes.livenessGrpcService=alive"]);
        SessionsPortsAndMetrics(set, expectedGrpcPort: 9000, expectedWebPort: 9001);
        NetworkPolicies(set, bundledRedis: true);
        var (deployment, container) = Sessions(set);
        Assert.Equal("9102", RequiredEnv(container, "Sessions__MetricsPort"));
        Assert.Equal("9102", deployment.Spec.Template.Metadata.Annotations["prometheus.io/port"]);
        Assert.All(new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe }, p => Assert.Equal(9000, p.Grpc.Port));
        Assert.Equal("alive", container.LivenessProbe.Grpc.Service);
        Assert.Null(container.ReadinessProbe.Grpc.Service);
        var service = Assert.Single(set.OfComponent<V1Service>("sessions"));
        Assert.Equal([9000, 9001, 9102], service.Spec.Ports.Select(p => p.Port).Order().ToArray());
    }

    public static TheoryData<string, string[]> RefusedSettings => new()
    {
        { "must be at least preStopSleepSeconds + drainSeconds + 15", ["--set", "inference.shutdown.drainSeconds=100"] },
        { "use redis.external.existingSecret", ["--set", "redis.mode=external", "--set", "redis.external.connectionString=r:6379", "--set", "sessions.existingSecret=k"] },
        { "inference/image/tag", ["--set", "inference.image.tag=latest"] },
        { "inference.gpu.count must be 1 with inference.gpu.sharing mig", ["--set", "inference.gpu.sharing=mig", "--set", "inference.gpu.count=2"] },
    };

    [SkippableTheory]
    [MemberData(nameof(RefusedSettings))]
    public void HelmTemplate_RefusesInconsistentSettings(string message, string[] settings)
    {
        var helm = RequireHelm();
        var result = Tools.Run(helm, ["template", "draggan", Repo.Path("helm", "draggan"), .. settings]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }
}

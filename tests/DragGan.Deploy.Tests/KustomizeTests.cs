using DragGan.Deploy.Tests.Support;
using k8s;
using k8s.Models;
using static DragGan.Deploy.Tests.Support.ManifestAssertions;

namespace DragGan.Deploy.Tests;

/// <summary>
/// Renders deploy/kustomize with `kubectl kustomize` (offline) and parses every object strictly
/// with KubernetesClient's models, then checks what the deployment promises.
/// </summary>
public class KustomizeTests
{
    /// <summary>The bundled Redis's password: created by the operator, never committed (deploy/README.md).</summary>
    private const string RedisAuthSecret = "draggan-redis-auth";

    public static TheoryData<string, bool, bool> Renderings => new()
    {
        // folder, GPU, bundled Redis
        { "base", true, true },
        { "overlays/gpu", true, true },
        { "overlays/cpu", false, true },
        { "overlays/gpu-external-redis", true, false },
    };

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Rendering_HoldsEveryDeploymentRule(string folder, bool gpu, bool bundledRedis)
    {
        var set = ManifestSet.RenderKustomize(folder);
        var external = new HashSet<string> { bundledRedis ? RedisAuthSecret : "draggan-redis-external" };
        ManifestAssertions.All(set, new Expectations(gpu, bundledRedis, InferenceAutoscaling: true, ActiveStreamsMetric: true, external));
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Rendering_HasTheExpectedObjects(string folder, bool gpu, bool bundledRedis)
    {
        _ = gpu;
        var set = ManifestSet.RenderKustomize(folder);
        var kinds = set.Objects.GroupBy(o => o.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, kinds["Deployment"]);
        Assert.Equal(2, kinds["PodDisruptionBudget"]);
        Assert.Equal(2, kinds["HorizontalPodAutoscaler"]);
        Assert.Equal(bundledRedis ? 3 : 2, kinds["NetworkPolicy"]);
        Assert.Equal(bundledRedis ? 1 : 0, kinds.GetValueOrDefault("StatefulSet"));
        Assert.Equal(1, kinds["Secret"]);
        if (folder != "base")
        {
            var ns = Assert.Single(set.All<V1Namespace>());
            Assert.Equal("restricted", ns.Metadata.Labels["pod-security.kubernetes.io/enforce"]);
            Assert.All(set.Objects.Where(o => o is not V1Namespace), o => Assert.Equal(ns.Metadata.Name, o.Metadata.NamespaceProperty));
        }
    }

    [Fact]
    public void GpuOverlay_SelectsGpuNodesByProductThroughTheNvidiaRuntime()
    {
        var set = ManifestSet.RenderKustomize("overlays/gpu");
        var (deployment, container) = Inference(set);
        var pod = deployment.Spec.Template.Spec;
        Assert.Equal("nvidia", pod.RuntimeClassName);
        Assert.False(string.IsNullOrWhiteSpace(pod.NodeSelector["nvidia.com/gpu.product"]));
        Assert.NotNull(pod.Affinity?.PodAntiAffinity);
        Assert.Equal("dns:///draggan-inference-headless.draggan.svc.cluster.local:50051",
            RequiredEnv(Sessions(set).Container, "Sessions__InferenceAddress"));

        // Checkpoints from the ReadOnlyMany claim, mounted read-only, registered by name.
        var models = Assert.Single(pod.Volumes, v => v.Name == "models");
        Assert.Null(models.EmptyDir);
        Assert.Equal("draggan-models", models.PersistentVolumeClaim?.ClaimName);
        var claim = Assert.Single(set.All<V1PersistentVolumeClaim>());
        Assert.Equal("draggan-models", claim.Metadata.Name);
        Assert.Contains("ReadOnlyMany", claim.Spec.AccessModes);
        Assert.True(Assert.Single(container.VolumeMounts, m => m.Name == "models").ReadOnlyProperty);
        Assert.Equal("stylegan2-ffhq-512x512.pkl", RequiredEnv(container, "ModelRegistry__Models__ffhq__Path"));
        Assert.Equal("/models", RequiredEnv(container, "ModelRegistry__BaseDirectory"));
        Assert.Equal("ffhq", RequiredEnv(container, "ModelRegistry__DefaultModel"));
        Assert.Equal(("false", "false"), (RequiredEnv(container, "ModelRegistry__IncludeFacesModel"), RequiredEnv(container, "ModelRegistry__IncludeDemoModel")));
    }

    [Fact]
    public void CpuOverlay_RequestsNoGpuAndScalesOnItsSmallerCapacity()
    {
        var set = ManifestSet.RenderKustomize("overlays/cpu");
        var (deployment, container) = Inference(set);
        Assert.Null(deployment.Spec.Template.Spec.Tolerations);
        Assert.Null(deployment.Spec.Template.Spec.RuntimeClassName);
        Assert.Equal("2", RequiredEnv(container, "Inference__MaxActiveStreams"));
        Assert.Equal("1", RequiredEnv(container, "Inference__MaxBatchSize"));
        var hpa = set.One<V2HorizontalPodAutoscaler>("inference");
        Assert.Equal(2m, hpa.Spec.Metrics.Single(m => m.Type == "Pods").Pods.Target.AverageValue.ToDecimal());
    }

    [Fact]
    public void ExternalRedis_RemovesTheBundledRedisAndReadsTheConnectionStringFromASecret()
    {
        var set = ManifestSet.RenderKustomize("overlays/gpu-external-redis");
        Assert.Empty(set.OfComponent<V1StatefulSet>("redis"));
        Assert.Empty(set.OfComponent<V1Service>("redis"));
        Assert.Empty(set.OfComponent<V1ServiceAccount>("redis"));
        var redis = Assert.Single(Sessions(set).Container.Env, e => e.Name == "ConnectionStrings__Redis");
        Assert.DoesNotContain(Sessions(set).Container.Env, e => e.Name == "REDIS_PASSWORD");
        Assert.Null(redis.Value);
        Assert.Equal("draggan-redis-external", redis.ValueFrom.SecretKeyRef.Name);
        Assert.Equal("connection-string", redis.ValueFrom.SecretKeyRef.Key);
    }

    [Fact]
    public void Base_KeepsRedisOnAVolumeAndTheApiKeysInAGeneratedSecret()
    {
        var set = ManifestSet.RenderKustomize("base");
        var redis = set.One<V1StatefulSet>("redis");
        Assert.Equal(1, redis.Spec.Replicas);
        Assert.Equal("data", Assert.Single(redis.Spec.VolumeClaimTemplates).Metadata.Name);
        Assert.Contains("--appendonly", redis.Spec.Template.Spec.Containers[0].Args);
        Assert.Equal("draggan-redis:6379,password=$(REDIS_PASSWORD)", RequiredEnv(Sessions(set).Container, "ConnectionStrings__Redis"));

        var secret = Assert.Single(set.All<V1Secret>());
        Assert.StartsWith("draggan-sessions-api-keys-", secret.Metadata.Name);
        Assert.Contains("Sessions__ApiKeys__0__Tenant", secret.Data.Keys);
        Assert.Contains("Sessions__ApiKeys__0__KeyHash", secret.Data.Keys);
        Assert.Matches("^[0-9a-f]{64}$", System.Text.Encoding.UTF8.GetString(secret.Data["Sessions__ApiKeys__0__KeyHash"]));
    }

    /// <summary>The parser the other tests rely on refuses a misspelt field, so a typo cannot pass unseen.</summary>
    [Fact]
    public void StrictParser_RefusesUnknownFields()
    {
        const string typo = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: x
            spec:
              replica: 2
              selector: {matchLabels: {a: b}}
              template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: "i:1"}]}}
            """;
        Assert.Throws<InvalidOperationException>(() => ManifestSet.Parse("typo", typo));
        var fixedYaml = typo.Replace("replica: 2", "replicas: 2");
        var deployment = Assert.IsType<V1Deployment>(Assert.Single(ManifestSet.Parse("fixed", fixedYaml).Objects));
        Assert.Equal(2, deployment.Spec.Replicas);
    }

    [Fact]
    public void Kubectl_IsAvailable()
    {
        var version = Tools.RunChecked(Tools.Kubectl, "version", "--client");
        Assert.Contains("Kustomize Version", version);
    }
}

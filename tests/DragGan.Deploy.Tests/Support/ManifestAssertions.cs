using k8s.Models;

namespace DragGan.Deploy.Tests.Support;

/// <summary>What every rendering of the deployment (kustomize overlays, the Helm chart) must hold.</summary>
public static class ManifestAssertions
{
    /// <summary>The host's shutdown margin beyond the drain (InferenceHost: ShutdownTimeout = drain + 15 s).</summary>
    public const int HostShutdownMarginSeconds = 15;

    public const string GpuResource = "nvidia.com/gpu";
    public const string ActiveStreamsMetric = "draggan_inference_active_streams";

    /// <summary>The session service's ports: gRPC (HTTP/2 only, h2c) and HTTP/1.1 (gRPC-Web, the web client).</summary>
    public const int SessionsGrpcPort = 8080;
    public const int SessionsWebPort = 8081;

    /// <summary>The grpc.health.v1 service that reports the process alive without the session store.</summary>
    public const string LivenessHealthService = "liveness";

    public sealed record Expectations(
        bool Gpu,
        bool BundledRedis,
        bool InferenceAutoscaling,
        bool ActiveStreamsMetric,
        IReadOnlySet<string> ExternalSecrets,
        string GpuResourceName = GpuResource,
        bool Keda = false);

    public static void All(ManifestSet set, Expectations expect)
    {
        ObjectsAreLabelled(set);
        GpuScheduling(set, expect.Gpu, expect.GpuResourceName);
        InferenceProbes(set);
        InferenceShutdown(set);
        SessionsPortsAndMetrics(set);
        SessionsProbesAndShutdown(set);
        DisruptionBudgets(set);
        HeadlessServiceAndAddress(set);
        Autoscaling(set, expect);
        NetworkPolicies(set, expect.BundledRedis);
        EgressPolicies(set, expect.BundledRedis);
        if (expect.BundledRedis)
        {
            BundledRedisIsLockedDown(set);
            TenantShareFitsRedis(set);
        }
        PodSecurity(set);
        SecretReferences(set, expect.ExternalSecrets);
    }

    public static (V1Deployment Deployment, V1Container Container) Inference(ManifestSet set)
    {
        var deployment = set.One<V1Deployment>("inference");
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers, c => c.Name == "inference");
        return (deployment, container);
    }

    public static (V1Deployment Deployment, V1Container Container) Sessions(ManifestSet set)
    {
        var deployment = set.One<V1Deployment>("sessions");
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers, c => c.Name == "sessions");
        return (deployment, container);
    }

    public static string? Env(V1Container container, string name) =>
        container.Env?.SingleOrDefault(e => e.Name == name)?.Value;

    public static string RequiredEnv(V1Container container, string name) =>
        Env(container, name) ?? throw new Xunit.Sdk.XunitException($"{container.Name}: env {name} is not set to a value.");

    public static int ContainerPort(V1Container container, string name) =>
        Assert.Single(container.Ports, p => p.Name == name).ContainerPort;

    public static void ObjectsAreLabelled(ManifestSet set)
    {
        Assert.NotEmpty(set.Objects);
        foreach (var item in set.Objects)
        {
            Assert.False(string.IsNullOrEmpty(item.Metadata.Name), $"{set.Source}: a {item.Kind} has no name.");
            if (item is V1Namespace)
                continue;
            Assert.True(item.Metadata.Labels?.TryGetValue("app.kubernetes.io/name", out var name) == true && name == "draggan",
                $"{set.Source}: {item.Kind}/{item.Metadata.Name} lacks app.kubernetes.io/name=draggan.");
        }
    }

    /// <summary>
    /// One GPU (or one MIG instance or time-sliced share: <paramref name="resource"/>) per
    /// inference replica (requests = limits), tolerating the GPU taint, on cuda; or none at all.
    /// </summary>
    public static void GpuScheduling(ManifestSet set, bool gpu, string resource = GpuResource)
    {
        var (deployment, container) = Inference(set);
        var pod = deployment.Spec.Template.Spec;
        var limits = container.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>();
        var requests = container.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>();
        if (gpu)
        {
            Assert.True(limits.ContainsKey(resource), $"{set.Source}: the inference container has no {resource} limit.");
            Assert.Equal(1, limits[resource].ToInt32());
            Assert.True(requests.ContainsKey(resource), $"{set.Source}: the inference container has no {resource} request.");
            Assert.Equal(limits[resource].ToInt32(), requests[resource].ToInt32());
            // A MIG instance or a shared GPU is the only GPU resource asked for.
            Assert.Single(limits.Keys, IsGpuResource);
            Assert.Contains(pod.Tolerations ?? [], t => t.Key == GpuResource && t.Effect == "NoSchedule"
                && (t.OperatorProperty == "Exists" || t.OperatorProperty is "Equal" && t.Value is not null));
            Assert.StartsWith("cuda", RequiredEnv(container, "ModelRegistry__Device"));
            Assert.EndsWith("-cuda", container.Image);
        }
        else
        {
            Assert.DoesNotContain(limits.Keys, IsGpuResource);
            Assert.DoesNotContain(requests.Keys, IsGpuResource);
            Assert.DoesNotContain(pod.Tolerations ?? [], t => t.Key == GpuResource);
            Assert.Equal("cpu", RequiredEnv(container, "ModelRegistry__Device"));
            Assert.EndsWith("-cpu", container.Image);
        }
        // Nothing else in the deployment asks for a GPU.
        foreach (var (owner, template) in set.PodTemplates().Where(t => t.Owner != $"Deployment/{deployment.Metadata.Name}"))
        {
            foreach (var other in template.Spec.Containers)
                Assert.False(other.Resources?.Limits?.Keys.Any(IsGpuResource) == true, $"{owner} requests a GPU.");
        }
    }

    /// <summary>Whole GPUs, MIG instances (nvidia.com/mig-...) and shared GPUs (nvidia.com/gpu.shared and the like).</summary>
    private static bool IsGpuResource(string resource) =>
        resource.StartsWith(GpuResource, StringComparison.Ordinal) || resource.StartsWith("nvidia.com/mig-", StringComparison.Ordinal);

    /// <summary>gRPC health probes on the service's gRPC port, with a startup budget for CUDA and model loading.</summary>
    public static void InferenceProbes(ManifestSet set)
    {
        var (_, container) = Inference(set);
        var grpcPort = ContainerPort(container, "grpc");
        Assert.Equal(50051, grpcPort);
        Assert.EndsWith($":{grpcPort}", RequiredEnv(container, "Urls"));
        Assert.Equal(ContainerPort(container, "metrics").ToString(), RequiredEnv(container, "Inference__MetricsPort"));

        foreach (var (kind, probe) in new[] { ("startup", container.StartupProbe), ("readiness", container.ReadinessProbe), ("liveness", container.LivenessProbe) })
        {
            Assert.True(probe is not null, $"{set.Source}: the inference container has no {kind} probe.");
            Assert.True(probe.Grpc is not null, $"{set.Source}: the inference {kind} probe is not a gRPC health probe.");
            Assert.Equal(grpcPort, probe.Grpc.Port);
            // Startup and readiness ask for the overall status (""), which turns NOT_SERVING while
            // draining; liveness asks for "liveness", which does not, so a drain is never cut short.
            var expected = kind == "liveness" ? "liveness" : "";
            Assert.True((probe.Grpc.Service ?? "") == expected, $"{set.Source}: the {kind} probe asks for service '{probe.Grpc.Service}', expected '{expected}'.");
            Assert.Null(probe.HttpGet);
            Assert.Null(probe.Exec);
        }
        var startup = container.StartupProbe;
        Assert.True(startup.PeriodSeconds * startup.FailureThreshold >= 120,
            $"{set.Source}: the startup probe allows {startup.PeriodSeconds * startup.FailureThreshold} s; CUDA start and model loading need 120 s or more.");
        Assert.True(container.ReadinessProbe.PeriodSeconds <= 10, "Readiness must notice a drain within 10 s.");
        Assert.True(container.LivenessProbe.PeriodSeconds * container.LivenessProbe.FailureThreshold >= 30,
            "Liveness must tolerate 30 s of slow health answers (a busy GPU step).");
    }

    /// <summary>The grace period covers the preStop pause, the drain and the host's shutdown margin.</summary>
    public static void InferenceShutdown(ManifestSet set)
    {
        var (deployment, container) = Inference(set);
        var preStop = container.Lifecycle?.PreStop;
        Assert.True(preStop?.Sleep is not null, $"{set.Source}: the inference container has no preStop sleep.");
        var pause = (int)preStop.Sleep.Seconds;
        Assert.InRange(pause, 1, 30);
        var drain = double.Parse(RequiredEnv(container, "Inference__ShutdownDrainSeconds"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(drain >= 10, $"{set.Source}: a drain of {drain} s leaves drags no time to finish.");
        var grace = deployment.Spec.Template.Spec.TerminationGracePeriodSeconds;
        Assert.True(grace is not null, $"{set.Source}: the inference pod has no terminationGracePeriodSeconds.");
        Assert.True(grace >= pause + drain + HostShutdownMarginSeconds,
            $"{set.Source}: terminationGracePeriodSeconds {grace} < preStop {pause} + drain {drain} + {HostShutdownMarginSeconds}.");
        // Rolling updates add a replica before removing one, so capacity never drops.
        Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
    }

    /// <summary>
    /// gRPC and the HTTP/1.1 endpoint on their own ports (one plain-text endpoint cannot serve
    /// both), each in the container, the Service and Kestrel's endpoints; a metrics port only with
    /// Sessions__MetricsPort set to it (the service serves no metrics otherwise).
    /// </summary>
    public static void SessionsPortsAndMetrics(ManifestSet set, int expectedGrpcPort = SessionsGrpcPort, int expectedWebPort = SessionsWebPort)
    {
        var (deployment, container) = Sessions(set);
        var grpcPort = ContainerPort(container, "grpc");
        var webPort = ContainerPort(container, "web");
        Assert.Equal(expectedGrpcPort, grpcPort);
        Assert.Equal(expectedWebPort, webPort);
        Assert.Equal($"http://0.0.0.0:{grpcPort}", RequiredEnv(container, "Kestrel__Endpoints__Grpc__Url"));
        Assert.Equal("Http2", RequiredEnv(container, "Kestrel__Endpoints__Grpc__Protocols"));
        Assert.Equal($"http://0.0.0.0:{webPort}", RequiredEnv(container, "Kestrel__Endpoints__Web__Url"));
        Assert.Equal("Http1", RequiredEnv(container, "Kestrel__Endpoints__Web__Protocols"));
        Assert.DoesNotContain(container.Ports, p => p.Name == "http");

        var metrics = container.Ports.SingleOrDefault(p => p.Name == "metrics");
        var annotations = deployment.Spec.Template.Metadata.Annotations ?? new Dictionary<string, string>();
        if (metrics is not null)
        {
            Assert.Equal(metrics.ContainerPort.ToString(), RequiredEnv(container, "Sessions__MetricsPort"));
            Assert.NotEqual(grpcPort, metrics.ContainerPort);
            Assert.NotEqual(webPort, metrics.ContainerPort);
        }
        else
        {
            Assert.Null(Env(container, "Sessions__MetricsPort"));
        }
        if (annotations.TryGetValue("prometheus.io/scrape", out var scrape) && scrape == "true")
        {
            Assert.True(metrics is not null, $"{set.Source}: the sessions pods ask to be scraped but expose no metrics port.");
            Assert.Equal(metrics.ContainerPort.ToString(), annotations["prometheus.io/port"]);
            Assert.Equal("/metrics", annotations["prometheus.io/path"]);
        }

        var service = Assert.Single(set.OfComponent<V1Service>("sessions"));
        Assert.True(ManifestSet.Selects(service.Spec.Selector, deployment.Spec.Template.Metadata.Labels));
        var grpc = Assert.Single(service.Spec.Ports, p => p.Name == "grpc");
        Assert.Equal(grpcPort, grpc.Port);
        Assert.Equal("grpc", grpc.TargetPort.Value);
        Assert.Equal("kubernetes.io/h2c", grpc.AppProtocol);
        var web = Assert.Single(service.Spec.Ports, p => p.Name == "web");
        Assert.Equal(webPort, web.Port);
        Assert.Equal("web", web.TargetPort.Value);
        // Every port of the Service leads to a named port of the container.
        foreach (var port in service.Spec.Ports)
            Assert.Contains(container.Ports, p => p.Name == port.TargetPort.Value);
    }

    public static void SessionsProbesAndShutdown(ManifestSet set)
    {
        var (deployment, container) = Sessions(set);
        var grpcPort = ContainerPort(container, "grpc");
        foreach (var (kind, probe) in new[] { ("startup", container.StartupProbe), ("readiness", container.ReadinessProbe), ("liveness", container.LivenessProbe) })
        {
            // The kubelet's gRPC probe speaks h2c, which only the gRPC port accepts; there is no HTTP health endpoint.
            Assert.True(probe is not null, $"{set.Source}: the sessions container has no {kind} probe.");
            Assert.True(probe.Grpc is not null, $"{set.Source}: the sessions {kind} probe is not a gRPC health probe.");
            Assert.Null(probe.HttpGet);
            Assert.Null(probe.TcpSocket);
            Assert.Null(probe.Exec);
            Assert.Equal(grpcPort, probe.Grpc.Port);
            // Startup and readiness ask for the overall status (""), which includes the session
            // store; liveness asks for "liveness", which does not, so a Redis outage restarts nothing.
            var expected = kind == "liveness" ? LivenessHealthService : "";
            Assert.True((probe.Grpc.Service ?? "") == expected, $"{set.Source}: the sessions {kind} probe asks for service '{probe.Grpc.Service}', expected '{expected}'.");
        }
        var pause = container.Lifecycle?.PreStop?.Sleep?.Seconds;
        Assert.True(pause is > 0, $"{set.Source}: the sessions container has no preStop sleep (its image has no shell for exec).");
        Assert.True(deployment.Spec.Template.Spec.TerminationGracePeriodSeconds > pause + 5);
        Assert.Equal("redis", RequiredEnv(container, "Sessions__Store"));
    }

    /// <summary>Each Deployment has a PodDisruptionBudget that selects its pods and lets drains proceed.</summary>
    public static void DisruptionBudgets(ManifestSet set)
    {
        foreach (var deployment in set.All<V1Deployment>())
        {
            var labels = deployment.Spec.Template.Metadata.Labels;
            var budgets = set.All<V1PodDisruptionBudget>().Where(p => ManifestSet.Selects(p.Spec.Selector, labels)).ToList();
            var budget = Assert.Single(budgets);
            Assert.True(ManifestSet.Selects(budget.Spec.Selector, labels));
            Assert.Null(budget.Spec.MinAvailable);
            Assert.NotNull(budget.Spec.MaxUnavailable);
            Assert.True(int.Parse(budget.Spec.MaxUnavailable.Value) >= 1,
                $"{set.Source}: PDB {budget.Metadata.Name} allows no disruption: node drains would hang.");
            // The budget's selector is the Deployment's own, not wider.
            Assert.Equal(deployment.Spec.Selector.MatchLabels.OrderBy(p => p.Key), budget.Spec.Selector.MatchLabels.OrderBy(p => p.Key));
        }
    }

    /// <summary>A headless Service over the inference pods, and the session service pointed at it with dns:///.</summary>
    public static void HeadlessServiceAndAddress(ManifestSet set)
    {
        var (deployment, container) = Inference(set);
        var headless = Assert.Single(set.OfComponent<V1Service>("inference"));
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.NotEqual(true, headless.Spec.PublishNotReadyAddresses);
        Assert.True(ManifestSet.Selects(headless.Spec.Selector, deployment.Spec.Template.Metadata.Labels));
        var grpc = Assert.Single(headless.Spec.Ports, p => p.Name == "grpc");
        Assert.Equal(ContainerPort(container, "grpc"), grpc.Port);
        Assert.Equal("grpc", grpc.TargetPort.Value);
        Assert.Equal("kubernetes.io/h2c", grpc.AppProtocol);

        var (_, sessions) = Sessions(set);
        var address = RequiredEnv(sessions, "Sessions__InferenceAddress");
        var expectedHost = headless.Metadata.Name;
        Assert.Matches($"^dns:///{System.Text.RegularExpressions.Regex.Escape(expectedHost)}(\\.[a-z0-9-]+\\.svc\\.[a-z0-9.-]+)?:{grpc.Port}$", address);
        var ns = headless.Metadata.NamespaceProperty;
        if (ns is not null && address.Contains(".svc."))
            Assert.Contains($"{expectedHost}.{ns}.svc.", address);
    }

    public static void Autoscaling(ManifestSet set, Expectations expect)
    {
        var (deployment, container) = Inference(set);
        var hpas = set.OfComponent<V2HorizontalPodAutoscaler>("inference").ToList();
        var scaledObjects = set.OfComponent<ScaledObject>("inference").ToList();
        if (expect.Keda)
        {
            // KEDA creates and owns the HPA: the chart renders none of its own.
            Assert.Empty(hpas);
            KedaScaling(set, Assert.Single(scaledObjects), expect);
        }
        else if (!expect.InferenceAutoscaling)
        {
            Assert.Empty(hpas);
            Assert.True(deployment.Spec.Replicas >= 1);
        }
        else
        {
            Assert.Empty(scaledObjects);
            var hpa = Assert.Single(hpas);
            Assert.Equal("Deployment", hpa.Spec.ScaleTargetRef.Kind);
            Assert.Equal(deployment.Metadata.Name, hpa.Spec.ScaleTargetRef.Name);
            Assert.True(hpa.Spec.MinReplicas >= 1 && hpa.Spec.MinReplicas <= hpa.Spec.MaxReplicas);
            // CPU is always there: the fallback when the custom metric is missing.
            Assert.Contains(hpa.Spec.Metrics, m => m.Type == "Resource" && m.Resource.Name == "cpu"
                && m.Resource.Target.Type == "Utilization" && m.Resource.Target.AverageUtilization is > 0 and <= 100);
            var streams = hpa.Spec.Metrics.Where(m => m.Type == "Pods" && m.Pods.Metric.Name == ActiveStreamsMetric).ToList();
            if (expect.ActiveStreamsMetric)
            {
                var metric = Assert.Single(streams);
                Assert.Equal("AverageValue", metric.Pods.Target.Type);
                var target = metric.Pods.Target.AverageValue.ToDecimal();
                var capacity = int.Parse(RequiredEnv(container, "Inference__MaxActiveStreams"));
                Assert.True(target > 0 && target <= capacity,
                    $"{set.Source}: the HPA targets {target} streams per replica, the replicas admit {capacity}.");
            }
            else
            {
                Assert.Empty(streams);
            }
            Assert.True(hpa.Spec.Behavior?.ScaleDown?.StabilizationWindowSeconds >= 300,
                $"{set.Source}: scale-down must be slow: each removed replica hands back its streams.");
            // The HPA owns the replica count.
            Assert.Null(deployment.Spec.Replicas);
        }

        var (sessionsDeployment, _) = Sessions(set);
        foreach (var hpa in set.OfComponent<V2HorizontalPodAutoscaler>("sessions"))
        {
            Assert.Equal(sessionsDeployment.Metadata.Name, hpa.Spec.ScaleTargetRef.Name);
            Assert.True(hpa.Spec.MinReplicas >= 2, "Two session replicas at least, for availability.");
        }
    }

    /// <summary>
    /// The bundled Redis asks for a password from a Secret (the session service's connection string
    /// carries the same one), handed to it on standard input rather than in its arguments, runs in
    /// protected mode, and refuses writes at a memory limit below its container's instead of
    /// evicting sessions. The command, run with the local redis-server, does ask for the password.
    /// </summary>
    public static void BundledRedisIsLockedDown(ManifestSet set)
    {
        var redis = set.One<V1StatefulSet>("redis").Spec.Template.Spec.Containers.Single();
        var args = redis.Args.ToList();
        RedisLaunch.AssertPasswordOutOfArguments(set.Source, args, "$REDIS_PASSWORD");
        RedisLaunch.AssertStartsWithThePassword(args, args[2]);
        string After(string flag)
        {
            var at = args.IndexOf(flag);
            Assert.True(at >= 0 && at + 1 < args.Count, $"{set.Source}: Redis runs without {flag}.");
            return args[at + 1];
        }
        Assert.Equal("yes", After("--protected-mode"));
        Assert.Equal("noeviction", After("--maxmemory-policy"));
        var maxMemory = After("--maxmemory");
        var match = System.Text.RegularExpressions.Regex.Match(maxMemory, "^([0-9]+)(kb|mb|gb)$");
        Assert.True(match.Success, $"{set.Source}: maxmemory '{maxMemory}'.");
        var bytes = long.Parse(match.Groups[1].Value) * match.Groups[2].Value switch { "kb" => 1024L, "mb" => 1024L * 1024, _ => 1024L * 1024 * 1024 };
        var limit = redis.Resources?.Limits?.TryGetValue("memory", out var memory) == true ? memory.ToInt64() : long.MaxValue;
        Assert.True(bytes < limit, $"{set.Source}: maxmemory {maxMemory} is not below the container's memory limit.");

        var password = SecretOf(redis, "REDIS_PASSWORD");
        Assert.Equal(password, SecretOf(redis, "REDISCLI_AUTH"));
        var sessions = Sessions(set).Container;
        Assert.Equal(password, SecretOf(sessions, "REDIS_PASSWORD"));
        var env = sessions.Env.Select(e => e.Name).ToList();
        Assert.True(env.IndexOf("REDIS_PASSWORD") < env.IndexOf("ConnectionStrings__Redis"),
            $"{set.Source}: REDIS_PASSWORD must come before the connection string that refers to it.");
        Assert.EndsWith(",password=$(REDIS_PASSWORD)", RequiredEnv(sessions, "ConnectionStrings__Redis"));
    }

    /// <summary>
    /// The session service's quotas agree with the bundled Redis's maxmemory: headroom below it for
    /// running work, and one tenant's stored bytes (frames included) at most half of what is left,
    /// so that no tenant alone fills the store (docs/tenancy.md).
    /// </summary>
    public static void TenantShareFitsRedis(ManifestSet set)
    {
        var redis = set.One<V1StatefulSet>("redis").Spec.Template.Spec.Containers.Single();
        var maxMemory = StoreLimits.MaxMemoryBytes(redis.Args[redis.Args.IndexOf("--maxmemory") + 1]);
        var sessions = Sessions(set).Container;
        StoreLimits.AssertFit(set.Source, maxMemory, name => Env(sessions, name));
    }

    private static (string Name, string Key) SecretOf(V1Container container, string variable)
    {
        var reference = Assert.Single(container.Env, e => e.Name == variable).ValueFrom?.SecretKeyRef;
        Assert.NotNull(reference);
        return (reference.Name, reference.Key);
    }

    /// <summary>
    /// The ScaledObject in place of the HPA: the inference Deployment, CPU always among its
    /// triggers, active streams (Prometheus, per replica, this release's pods) within what a
    /// replica admits, and scale-down as slow as the HPA's (each removed replica drains and hands
    /// its streams back).
    /// </summary>
    private static void KedaScaling(ManifestSet set, ScaledObject scaled, Expectations expect)
    {
        var (deployment, container) = Inference(set);
        Assert.Equal(("apps/v1", "Deployment", deployment.Metadata.Name),
            (scaled.Spec.ScaleTargetRef.ApiVersion, scaled.Spec.ScaleTargetRef.Kind, scaled.Spec.ScaleTargetRef.Name));
        Assert.True(scaled.Spec.MinReplicaCount >= 1 && scaled.Spec.MinReplicaCount <= scaled.Spec.MaxReplicaCount);
        Assert.Contains(scaled.Spec.Triggers, t => t.Type == "cpu" && t.MetricType == "Utilization" && int.Parse(t.Metadata["value"]) is > 0 and <= 100);
        var streams = scaled.Spec.Triggers.Where(t => t.Type == "prometheus" && t.Metadata["query"].Contains(ActiveStreamsMetric)).ToList();
        if (expect.ActiveStreamsMetric)
        {
            var trigger = Assert.Single(streams);
            Assert.Equal("AverageValue", trigger.MetricType);
            Assert.StartsWith("http", trigger.Metadata["serverAddress"]);
            Assert.Matches($"^sum\\({ActiveStreamsMetric}\\{{namespace=\"[a-z0-9-]+\",pod=~\"{deployment.Metadata.Name}-\\.\\*\"\\}}\\)$", trigger.Metadata["query"]);
            var threshold = decimal.Parse(trigger.Metadata["threshold"], System.Globalization.CultureInfo.InvariantCulture);
            var capacity = int.Parse(RequiredEnv(container, "Inference__MaxActiveStreams"));
            Assert.True(threshold > 0 && threshold <= capacity, $"{set.Source}: KEDA targets {threshold} streams per replica, the replicas admit {capacity}.");
        }
        else
        {
            Assert.Empty(streams);
        }
        Assert.True(scaled.Spec.Advanced?.HorizontalPodAutoscalerConfig?.Behavior?.ScaleDown?.StabilizationWindowSeconds >= 300,
            $"{set.Source}: scale-down must be slow: each removed replica hands back its streams.");
        // KEDA's HPA owns the replica count.
        Assert.Null(deployment.Spec.Replicas);
    }

    /// <summary>
    /// Only the session service reaches the inference service and Redis; clients reach the
    /// session service's gRPC and web ports; no policy opens a metrics port to every peer.
    /// </summary>
    public static void NetworkPolicies(ManifestSet set, bool bundledRedis)
    {
        var (inferenceDeployment, inferenceContainer) = Inference(set);
        var (sessionsDeployment, sessionsContainer) = Sessions(set);
        var inferenceLabels = inferenceDeployment.Spec.Template.Metadata.Labels;
        var sessionsLabels = sessionsDeployment.Spec.Template.Metadata.Labels;
        var podLabels = set.PodTemplates().ToDictionary(t => t.Owner, t => t.Template.Metadata.Labels);

        OnlySessionsReach("inference", ContainerPort(inferenceContainer, "grpc"));
        var redis = set.OfComponent<V1StatefulSet>("redis").ToList();
        Assert.Equal(bundledRedis, redis.Count == 1);
        if (bundledRedis)
            OnlySessionsReach("redis", 6379);
        else
            Assert.Empty(set.OfComponent<V1NetworkPolicy>("redis"));

        var sessionsPolicies = set.All<V1NetworkPolicy>().Where(p => ManifestSet.Selects(p.Spec.PodSelector, sessionsLabels)).ToList();
        Assert.True(sessionsPolicies.Count > 0, $"{set.Source}: no NetworkPolicy selects the sessions pods.");
        foreach (var name in new[] { "grpc", "web" })
        {
            var port = ContainerPort(sessionsContainer, name);
            Assert.True(sessionsPolicies.Any(p => p.Spec.Ingress?.Any(r => Covers(r, port)) == true),
                $"{set.Source}: no NetworkPolicy lets clients reach the session service's {name} port {port}.");
        }
        foreach (var (labels, container) in new[] { (inferenceLabels, inferenceContainer), (sessionsLabels, sessionsContainer) })
        {
            var metrics = container.Ports.SingleOrDefault(p => p.Name == "metrics");
            if (metrics is null)
                continue;
            foreach (var policy in set.All<V1NetworkPolicy>().Where(p => ManifestSet.Selects(p.Spec.PodSelector, labels)))
            {
                foreach (var rule in (policy.Spec.Ingress ?? []).Where(r => Covers(r, metrics.ContainerPort) && r.Ports is { Count: > 0 }))
                    Assert.True(rule.FromProperty is { Count: > 0 }, $"{set.Source}: {policy.Metadata.Name} opens the metrics port {metrics.ContainerPort} to every peer.");
            }
        }

        // Every workload is covered by some policy.
        foreach (var (owner, labels) in podLabels)
            Assert.True(set.All<V1NetworkPolicy>().Any(p => ManifestSet.Selects(p.Spec.PodSelector, labels)),
                $"{set.Source}: no NetworkPolicy selects {owner}.");

        void OnlySessionsReach(string component, int port)
        {
            var labels = set.PodTemplates().Single(t => t.Template.Metadata.Labels[ManifestSet.ComponentLabel] == component).Template.Metadata.Labels;
            var policies = set.All<V1NetworkPolicy>().Where(p => ManifestSet.Selects(p.Spec.PodSelector, labels)).ToList();
            Assert.True(policies.Count > 0, $"{set.Source}: no NetworkPolicy selects the {component} pods.");
            var allowedFromSessions = false;
            foreach (var policy in policies)
            {
                Assert.Contains("Ingress", policy.Spec.PolicyTypes);
                foreach (var rule in policy.Spec.Ingress ?? [])
                {
                    if (!Covers(rule, port))
                        continue;
                    Assert.True(rule.FromProperty is { Count: > 0 },
                        $"{set.Source}: {policy.Metadata.Name} opens port {port} of {component} to every peer.");
                    foreach (var peer in rule.FromProperty)
                    {
                        Assert.True(peer.NamespaceSelector is null && peer.IpBlock is null && peer.PodSelector is not null,
                            $"{set.Source}: {policy.Metadata.Name} opens port {port} of {component} beyond the namespace's pods.");
                        Assert.True(ManifestSet.Selects(peer.PodSelector, sessionsLabels),
                            $"{set.Source}: {policy.Metadata.Name} lets a peer other than the session service reach {component}:{port}.");
                        foreach (var (owner, other) in podLabels.Where(p => p.Value[ManifestSet.ComponentLabel] != "sessions"))
                            Assert.False(ManifestSet.Selects(peer.PodSelector, other),
                                $"{set.Source}: {policy.Metadata.Name} lets {owner} reach {component}:{port}.");
                        allowedFromSessions = true;
                    }
                }
            }
            Assert.True(allowedFromSessions, $"{set.Source}: the session service cannot reach {component}:{port}.");
        }

        static bool Covers(V1NetworkPolicyIngressRule rule, int port) =>
            rule.Ports is not { Count: > 0 } || rule.Ports.Any(p => p.Port is null || p.Port.Value == port.ToString());
    }

    /// <summary>
    /// What each workload may reach: the session service Redis, the inference service and DNS (an
    /// external Redis on the ports named for it); the inference service DNS alone, and the web
    /// ports while an init container fetches checkpoints; the bundled Redis nothing. Every egress
    /// rule names its ports.
    /// </summary>
    public static void EgressPolicies(ManifestSet set, bool bundledRedis)
    {
        var (inferenceDeployment, inferenceContainer) = Inference(set);
        var inferenceLabels = inferenceDeployment.Spec.Template.Metadata.Labels;
        var inferencePort = ContainerPort(inferenceContainer, "grpc");
        var fetchesModels = inferenceDeployment.Spec.Template.Spec.InitContainers?.Any(c => c.Name == "fetch-models") == true;
        var redisLabels = set.OfComponent<V1StatefulSet>("redis").SingleOrDefault()?.Spec.Template.Metadata.Labels;

        var sessions = Egress("sessions");
        Assert.Contains(sessions, IsDns);
        Assert.Contains(sessions, rule => ToOnly(rule, inferenceLabels, inferencePort));
        if (bundledRedis)
            Assert.Contains(sessions, rule => ToOnly(rule, redisLabels!, 6379));
        foreach (var rule in sessions)
            Assert.True(IsDns(rule) || ToOnly(rule, inferenceLabels, inferencePort)
                || (bundledRedis ? ToOnly(rule, redisLabels!, 6379) : rule.Ports.All(p => p.Port.Value != "53")),
                $"{set.Source}: the session service may reach more than Redis, the inference service and DNS ({Describe(rule)}).");

        var inference = Egress("inference");
        Assert.Contains(inference, IsDns);
        foreach (var rule in inference.Where(r => !IsDns(r)))
            Assert.True(fetchesModels && rule.Ports.All(p => p.Port.Value is "443" or "80"),
                $"{set.Source}: the inference service may reach more than DNS{(fetchesModels ? " and the checkpoints' web servers" : "")} ({Describe(rule)}).");

        if (bundledRedis)
            Assert.Empty(Egress("redis"));

        List<V1NetworkPolicyEgressRule> Egress(string component)
        {
            var labels = set.PodTemplates().Single(t => t.Template.Metadata.Labels[ManifestSet.ComponentLabel] == component).Template.Metadata.Labels;
            var policies = set.All<V1NetworkPolicy>().Where(p => ManifestSet.Selects(p.Spec.PodSelector, labels)).ToList();
            Assert.True(policies.Any(p => p.Spec.PolicyTypes?.Contains("Egress") == true),
                $"{set.Source}: no NetworkPolicy restricts what the {component} pods may reach.");
            var rules = policies.SelectMany(p => p.Spec.Egress ?? []).ToList();
            Assert.All(rules, rule => Assert.True(rule.Ports is { Count: > 0 },
                $"{set.Source}: an egress rule of {component} opens every port ({Describe(rule)})."));
            return rules;
        }

        static bool IsDns(V1NetworkPolicyEgressRule rule) =>
            rule.Ports is { Count: > 0 } && rule.Ports.All(p => p.Port?.Value == "53");

        static bool ToOnly(V1NetworkPolicyEgressRule rule, IDictionary<string, string> labels, int port) =>
            rule.To is { Count: > 0 } && rule.To.All(peer => peer.NamespaceSelector is null && peer.IpBlock is null && ManifestSet.Selects(peer.PodSelector, labels))
            && rule.Ports is { Count: > 0 } && rule.Ports.All(p => p.Port?.Value == port.ToString());

        static string Describe(V1NetworkPolicyEgressRule rule) =>
            $"ports [{string.Join(", ", (rule.Ports ?? []).Select(p => $"{p.Port?.Value}/{p.Protocol}"))}] to {rule.To?.Count ?? 0} peers";
    }

    /// <summary>Non-root, no privilege escalation, read-only root file systems, pinned images, no API tokens.</summary>
    public static void PodSecurity(ManifestSet set)
    {
        foreach (var (owner, template) in set.PodTemplates())
        {
            var pod = template.Spec;
            Assert.True(pod.SecurityContext?.RunAsNonRoot == true, $"{owner}: runAsNonRoot is not set.");
            Assert.True(pod.SecurityContext.RunAsUser is > 0, $"{owner}: runAsUser must be a non-zero uid.");
            Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile?.Type);
            Assert.False(pod.AutomountServiceAccountToken ?? true, $"{owner}: mounts a service account token.");
            foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                var context = container.SecurityContext;
                Assert.True(context?.AllowPrivilegeEscalation == false, $"{owner}/{container.Name}: allowPrivilegeEscalation is not false.");
                Assert.True(context.ReadOnlyRootFilesystem == true, $"{owner}/{container.Name}: the root file system is writable.");
                Assert.Contains("ALL", context.Capabilities?.Drop ?? []);
                var image = container.Image;
                var tag = image[(image.LastIndexOf('/') + 1)..];
                Assert.True(tag.Contains(':') && !tag.EndsWith(":latest"), $"{owner}/{container.Name}: image {image} is not pinned to a tag.");
                Assert.True(container.Resources?.Limits?.ContainsKey("memory") == true, $"{owner}/{container.Name}: no memory limit.");
            }
        }
    }

    /// <summary>Every Secret the pods read exists in the rendering, or is one the user provides.</summary>
    public static void SecretReferences(ManifestSet set, IReadOnlySet<string> external)
    {
        var secrets = set.All<V1Secret>().Select(s => s.Metadata.Name).ToHashSet();
        foreach (var (owner, template) in set.PodTemplates())
        {
            foreach (var container in template.Spec.Containers.Concat(template.Spec.InitContainers ?? []))
            {
                var names = (container.EnvFrom ?? []).Where(e => e.SecretRef is not null).Select(e => e.SecretRef.Name)
                    .Concat((container.Env ?? []).Where(e => e.ValueFrom?.SecretKeyRef is not null).Select(e => e.ValueFrom.SecretKeyRef.Name));
                foreach (var name in names)
                    Assert.True(secrets.Contains(name) || external.Contains(name), $"{owner}/{container.Name} reads Secret {name}, which is not there.");
            }
        }
        var (_, sessions) = Sessions(set);
        Assert.Contains(sessions.EnvFrom ?? [], e => e.SecretRef is not null);
    }
}

using k8s;
using k8s.Models;

namespace DragGan.Deploy.Tests.Support;

/// <summary>
/// A rendered set of Kubernetes objects, parsed strictly by KubernetesClient's typed models
/// (an unknown field or kind fails the parse), and looked up by the app.kubernetes.io/component label.
/// </summary>
public sealed class ManifestSet
{
    public const string ComponentLabel = "app.kubernetes.io/component";

    private static readonly Dictionary<string, Type> ExtraKinds = new()
    {
        [$"{ServiceMonitor.ApiGroupVersion}/ServiceMonitor"] = typeof(ServiceMonitor),
        [$"{ScaledObject.ApiGroupVersion}/ScaledObject"] = typeof(ScaledObject),
    };

    private ManifestSet(string source, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects)
    {
        Source = source;
        Objects = objects;
    }

    /// <summary>Where the objects came from, for messages.</summary>
    public string Source { get; }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    public static ManifestSet Parse(string source, string yaml)
    {
        List<object> parsed;
        try
        {
            parsed = KubernetesYaml.LoadAllFromString(yaml, ExtraKinds, strict: true);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{source}: the manifests do not parse strictly: {e.Message}", e);
        }
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        foreach (var item in parsed)
        {
            if (item is not IKubernetesObject<V1ObjectMeta> typed)
                throw new InvalidOperationException($"{source}: {item?.GetType().Name ?? "null"} is not a Kubernetes object with metadata.");
            objects.Add(typed);
        }
        return new ManifestSet(source, objects);
    }

    /// <summary>`kubectl kustomize` of a folder under deploy/kustomize, parsed.</summary>
    public static ManifestSet RenderKustomize(string relativeDir)
    {
        var dir = Repo.Path("deploy", "kustomize", relativeDir);
        Assert.True(Directory.Exists(dir), $"{dir} does not exist.");
        var yaml = Tools.RunChecked(Tools.Kubectl, "kustomize", dir);
        return Parse($"kubectl kustomize deploy/kustomize/{relativeDir}", yaml);
    }

    /// <summary>`helm template` of helm/draggan with an optional values file, parsed.</summary>
    public static ManifestSet RenderHelm(string helm, string? valuesFile, string release = "draggan", string ns = "draggan", string[]? settings = null)
    {
        var arguments = new List<string> { "template", release, Repo.Path("helm", "draggan"), "--namespace", ns };
        if (valuesFile is not null)
            arguments.AddRange(["-f", Repo.Path("helm", "draggan", valuesFile)]);
        arguments.AddRange(settings ?? []);
        var yaml = Tools.RunChecked(helm, [.. arguments]);
        return Parse($"helm template {valuesFile ?? "(defaults)"}{(settings is { Length: > 0 } ? " " + string.Join(' ', settings) : "")}", yaml);
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public IEnumerable<T> OfComponent<T>(string component) where T : IKubernetesObject<V1ObjectMeta> =>
        All<T>().Where(o => o.Metadata.Labels is not null
            && o.Metadata.Labels.TryGetValue(ComponentLabel, out var value) && value == component);

    public T One<T>(string component) where T : IKubernetesObject<V1ObjectMeta>
    {
        var matches = OfComponent<T>(component).ToList();
        Assert.True(matches.Count == 1,
            $"{Source}: expected one {typeof(T).Name} of component '{component}', found {matches.Count}.");
        return matches[0];
    }

    public T? Named<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        All<T>().SingleOrDefault(o => o.Metadata.Name == name);

    /// <summary>Pod templates of the Deployments and StatefulSets, with their owner's kind/name.</summary>
    public IEnumerable<(string Owner, V1PodTemplateSpec Template)> PodTemplates() =>
        All<V1Deployment>().Select(d => ($"Deployment/{d.Metadata.Name}", d.Spec.Template))
            .Concat(All<V1StatefulSet>().Select(s => ($"StatefulSet/{s.Metadata.Name}", s.Spec.Template)));

    public static bool Selects(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null)
            return false;
        labels ??= new Dictionary<string, string>();
        if (selector.MatchExpressions is { Count: > 0 })
            throw new NotSupportedException("matchExpressions are not used in these manifests.");
        return (selector.MatchLabels ?? new Dictionary<string, string>())
            .All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
    }

    public static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && Selects(new V1LabelSelector { MatchLabels = selector }, labels);
}

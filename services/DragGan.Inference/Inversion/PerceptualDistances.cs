using System.Collections.Concurrent;
using DragGan.Engine.Inversion;
using DragGan.Engine.Perceptual;
using static TorchSharp.torch;

namespace DragGan.Inference.Inversion;

/// <summary>
/// The perceptual distance pivotal tuning measures with (ResNet18 features, docs/inversion-pti.md),
/// loaded per device on first use and kept for the replica's life: every later tuning reuses it.
/// </summary>
internal sealed class PerceptualDistances : IDisposable
{
    private readonly ResNetFeatureFiles _files = ResNetFeatureFiles.Default;
    private readonly ConcurrentDictionary<string, Lazy<ResNetPerceptualDistance>> _byDevice = new(StringComparer.Ordinal);

    /// <summary>Whether the network's files ship with this replica (the slimmed GPU benchmark bundle leaves them out).</summary>
    public bool Available => _files.Exist;

    /// <summary>The distance on <paramref name="device"/>; call under a model's gate (the first call reads 64 MB).</summary>
    public IPerceptualDistance For(Device device) =>
        _byDevice.GetOrAdd(device.ToString(), _ => new Lazy<ResNetPerceptualDistance>(() => ResNetPerceptualDistance.Load(_files, device))).Value;

    public void Dispose()
    {
        foreach (var distance in _byDevice.Values.Where(d => d.IsValueCreated))
            distance.Value.Dispose();
    }
}

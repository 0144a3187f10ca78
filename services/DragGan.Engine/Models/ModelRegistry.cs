using System.Diagnostics;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace DragGan.Engine.Models;

/// <summary>The generators a service can use, by name.</summary>
public interface IModelRegistry
{
    /// <summary>The model used when a request names none.</summary>
    string DefaultModelName { get; }

    /// <summary>Every registered model, in configuration order, then the built-in faces model (when offered), then the demo model. Native checkpoints answer from their header without loading.</summary>
    IReadOnlyList<ModelInfo> List();

    /// <summary>One model's description.</summary>
    /// <exception cref="ModelNotFoundException">No model has that name.</exception>
    ModelInfo Describe(string name);

    bool Contains(string name);

    /// <summary>
    /// The model's generator, loaded on first use (once, however many threads ask at the same
    /// time) onto the configured device and kept for the registry's lifetime. The registry owns it:
    /// do not dispose it.
    /// </summary>
    /// <exception cref="ModelNotFoundException">No model has that name.</exception>
    /// <exception cref="ModelLoadException">Its checkpoint could not be loaded; a later call tries again.</exception>
    ImageGenerator Get(string name);
}

/// <summary>
/// <see cref="IModelRegistry"/> over <see cref="ModelRegistryOptions"/>: configured checkpoints
/// plus, unless turned off, the built-in <see cref="FacesModel"/> and <see cref="DemoModel"/>.
/// </summary>
public sealed class ModelRegistry : IModelRegistry, IDisposable
{
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Slot> _ordered = [];
    private readonly Func<ModelSource, GeneratorCheckpoint> _loader;
    private readonly ILogger _logger;
    private bool _disposed;

    public ModelRegistry(ModelRegistryOptions options, ILogger<ModelRegistry>? logger = null)
        : this(options, LoadCheckpoint, logger)
    {
    }

    internal ModelRegistry(ModelRegistryOptions options, Func<ModelSource, GeneratorCheckpoint> loader, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = ModelRegistryOptionsValidator.FindErrors(options);
        if (errors.Count > 0)
            throw new OptionsValidationException(Options.DefaultName, typeof(ModelRegistryOptions), errors);

        _loader = loader;
        _logger = logger ?? NullLogger.Instance;
        Device = ParseDevice(options.Device);

        foreach (var (name, entry) in options.Models)
        {
            var source = new ModelSource(name, ResolvePath(options, entry.Path), entry.Format, IsDemo: false);
            Add(new Slot(source, entry.Description ?? $"Checkpoint {Path.GetFileName(source.Path)}", entry.DefaultPsi, entry.DefaultLearningRate));
        }
        var defaults = new ModelEntry();
        if (options.IncludeFacesModel)
        {
            Add(new Slot(new ModelSource(FacesModel.Name, "", CheckpointFormat.Auto, IsDemo: false, BuiltIn: FacesModel.CreateCheckpoint), FacesModel.Description,
                defaults.DefaultPsi, FacesModel.DefaultLearningRate) { Shape = GeneratorShape.Of(FacesModel.Config) });
        }
        if (options.IncludeDemoModel)
        {
            Add(new Slot(new ModelSource(DemoModel.Name, "", CheckpointFormat.Auto, IsDemo: true, BuiltIn: DemoModel.CreateCheckpoint), DemoModel.Description,
                defaults.DefaultPsi, defaults.DefaultLearningRate) { Shape = GeneratorShape.Of(DemoModel.Config) });
        }

        // Configured models come first, then the faces model, then the demo model: the first is the default.
        DefaultModelName = options.DefaultModel is { } configured ? _slots[configured].Source.Name : _ordered[0].Source.Name;
    }

    /// <summary>The device generators are loaded onto.</summary>
    public Device Device { get; }

    public string DefaultModelName { get; }

    public IReadOnlyList<ModelInfo> List()
    {
        var infos = new List<ModelInfo>(_ordered.Count);
        foreach (var slot in _ordered)
        {
            try
            {
                infos.Add(Describe(slot));
            }
            catch (Exception e) when (e is ModelLoadException)
            {
                // One broken checkpoint must not hide the others; Get reports it to whoever asks for it.
                _logger.LogError(e, "Model {Model} is left out of the model list: {Reason}", slot.Source.Name, e.Message);
            }
        }
        return infos;
    }

    public ModelInfo Describe(string name) => Describe(Find(name));

    public bool Contains(string name) => name is not null && _slots.ContainsKey(name);

    public ImageGenerator Get(string name)
    {
        var slot = Find(name);
        var generator = Volatile.Read(ref slot.Generator);
        if (generator is not null)
            return generator;
        lock (slot.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (slot.Generator is null)
            {
                var loaded = Load(slot);
                slot.Shape = GeneratorShape.Of(loaded);
                Volatile.Write(ref slot.Generator, loaded);
            }
            return slot.Generator;
        }
    }

    public void Dispose()
    {
        foreach (var slot in _ordered)
        {
            lock (slot.Gate)
            {
                slot.Generator?.Dispose();
                slot.Generator = null;
            }
        }
        _disposed = true;
    }

    internal static string ResolvePath(ModelRegistryOptions options, string path) =>
        Path.GetFullPath(path, options.BaseDirectory is { Length: > 0 } baseDirectory
            ? Path.GetFullPath(baseDirectory)
            : Directory.GetCurrentDirectory());

    /// <summary>"cpu", "cuda" or "cuda:N"; throws <see cref="ArgumentException"/> for anything else or for CUDA when none is available.</summary>
    internal static Device ParseDevice(string? text)
    {
        var value = (text ?? "").Trim().ToLowerInvariant();
        var isCpu = value == "cpu";
        var isCuda = value == "cuda" || (value.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(value[5..], out var index) && index >= 0);
        if (!isCpu && !isCuda)
            throw new ArgumentException($"Device must be 'cpu', 'cuda' or 'cuda:N', got '{text}'.");
        if (isCuda && !cuda.is_available())
            throw new ArgumentException($"Device '{text}' asks for CUDA, but no CUDA device is available to this build.");
        return new Device(value);
    }

    private static GeneratorCheckpoint LoadCheckpoint(ModelSource source) =>
        source.BuiltIn is { } builtIn ? builtIn() : CheckpointLoader.Load(source.Path, source.Format);

    private void Add(Slot slot)
    {
        _slots.Add(slot.Source.Name, slot);
        _ordered.Add(slot);
    }

    private Slot Find(string name)
    {
        if (name is null || !_slots.TryGetValue(name, out var slot))
            throw new ModelNotFoundException(name ?? "", _ordered.Select(s => s.Source.Name));
        return slot;
    }

    private ModelInfo Describe(Slot slot)
    {
        var shape = slot.Shape;
        if (shape is null)
        {
            if (slot.Source.Format == CheckpointFormat.Native ||
                (slot.Source.Format == CheckpointFormat.Auto && TryDetect(slot.Source.Path) == CheckpointFormat.Native))
            {
                try
                {
                    shape = GeneratorShape.Of(NativeCheckpointFormat.ReadInfo(slot.Source.Path).Config);
                }
                catch (Exception e) when (e is CheckpointFormatException or IOException or UnauthorizedAccessException)
                {
                    throw new ModelLoadException(slot.Source.Name, $"Model '{slot.Source.Name}' could not be read from '{slot.Source.Path}': {e.Message}", e);
                }
                slot.Shape = shape;
            }
            else
            {
                // A pickle holds its config among its tensors: reading one means loading it.
                shape = GeneratorShape.Of(Get(slot.Source.Name));
            }
        }
        return new ModelInfo(slot.Source.Name, shape.Resolution, shape.NumWs, shape.WDim, shape.ZDim,
            slot.Description, slot.Source.IsDemo, slot.DefaultPsi, slot.DefaultLearningRate)
        {
            Kind = shape.Kind,
            Content = shape.Content,
        };
    }

    private static CheckpointFormat? TryDetect(string path)
    {
        try
        {
            return CheckpointLoader.Detect(path);
        }
        catch (Exception e) when (e is CheckpointFormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private ImageGenerator Load(Slot slot)
    {
        var source = slot.Source;
        var clock = Stopwatch.StartNew();
        _logger.LogInformation("Loading model {Model} from {Path} onto {Device}", source.Name, source.BuiltIn is not null ? "(built in)" : source.Path, Device);
        try
        {
            using var checkpoint = _loader(source);
            var generator = GeneratorFactory.Create(checkpoint, Device);
            _logger.LogInformation("Loaded model {Model} ({Kind}, {Resolution}x{Resolution}) in {Seconds:F1} s",
                source.Name, generator.Kind, generator.Resolution, generator.Resolution, clock.Elapsed.TotalSeconds);
            return generator;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "Loading model {Model} failed", source.Name);
            var where = source.BuiltIn is not null ? "the built-in weights" : $"'{source.Path}'";
            throw new ModelLoadException(source.Name, $"Model '{source.Name}' could not be loaded from {where}: {e.Message}", e);
        }
    }

    private sealed class Slot(ModelSource source, string description, double defaultPsi, double defaultLearningRate)
    {
        public readonly object Gate = new();
        public ImageGenerator? Generator;

        public ModelSource Source { get; } = source;
        public string Description { get; } = description;
        public double DefaultPsi { get; } = defaultPsi;
        public double DefaultLearningRate { get; } = defaultLearningRate;
        public GeneratorShape? Shape { get; set; }
    }
}

/// <summary>What a model's description needs of its generator, known from a native header or a loaded generator.</summary>
internal sealed record GeneratorShape(GeneratorKind Kind, int Resolution, int NumWs, int WDim, int ZDim, ContentRectangle Content)
{
    public static GeneratorShape Of(ImageGenerator generator) =>
        new(generator.Kind, generator.Resolution, generator.NumWs, generator.WDim, generator.ZDim, generator.Content);

    public static GeneratorShape Of(GeneratorConfig config) =>
        new(config.Kind, config.ImgResolution, config.NumWs, config.WDim, config.ZDim, config.Content);
}

/// <summary>Where a registered model's weights come from: a file, or (<paramref name="BuiltIn"/>) weights the engine carries.</summary>
internal sealed record ModelSource(string Name, string Path, CheckpointFormat Format, bool IsDemo, Func<GeneratorCheckpoint>? BuiltIn = null);

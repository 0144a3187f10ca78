using DragGan.Engine.Checkpoints;

namespace DragGan.Engine.Models;

/// <summary>
/// The models a service offers, bound from configuration (section <see cref="SectionName"/>):
/// <code>
/// "ModelRegistry": {
///   "Device": "cuda",
///   "Models": {
///     "ffhq-512": { "Path": "/models/ffhq-512.safetensors", "DefaultPsi": 0.7, "Description": "Faces" }
///   }
/// }
/// </code>
/// </summary>
public sealed class ModelRegistryOptions
{
    public const string SectionName = "ModelRegistry";

    /// <summary>Models by name (letters, digits, '.', '_' and '-'; matched case-insensitively).</summary>
    public Dictionary<string, ModelEntry> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Offer the built-in face model fitted to the procedural renderer (<see cref="FacesModel.Name"/>),
    /// the default model when no checkpoint is configured.
    /// </summary>
    public bool IncludeFacesModel { get; set; } = true;

    /// <summary>Also offer the built-in untrained demo model (<see cref="DemoModel.Name"/>).</summary>
    public bool IncludeDemoModel { get; set; } = true;

    /// <summary>The model used when a request names none; by default the first configured model, else the faces model, else the demo model.</summary>
    public string? DefaultModel { get; set; }

    /// <summary>Where generators run: "cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Relative model paths are resolved against this folder (default: the current directory).</summary>
    public string? BaseDirectory { get; set; }
}

/// <summary>One configured model.</summary>
public sealed class ModelEntry
{
    /// <summary>The checkpoint file: an official .pkl or a native .safetensors.</summary>
    public string Path { get; set; } = "";

    public CheckpointFormat Format { get; set; } = CheckpointFormat.Auto;

    /// <summary>Truncation psi used when a request gives none.</summary>
    public double DefaultPsi { get; set; } = 0.7;

    /// <summary>Adam learning rate of the drag optimisation when a request gives none.</summary>
    public double DefaultLearningRate { get; set; } = 0.001;

    public string? Description { get; set; }
}

using System.Reflection;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;

namespace DragGan.Engine.Models;

/// <summary>
/// The built-in trained model and the default of every service and tool: a StyleGAN2 generator
/// (config F, skip architecture, 128x128) fitted to the procedural face renderer of
/// <c>DragGan.Faces</c> by <c>draggan-train generator</c>. Its weights ship inside this assembly
/// in the native format, float16 (about 1 MB); the training record is in bench/README.md.
/// </summary>
public static class FacesModel
{
    public const string Name = "faces-128";

    public const string Description =
        "Procedural faces (StyleGAN2 config F, 128x128, fitted to the built-in face renderer). " +
        "Drag radii default to r1 = 2 and r2 = 6 px at this size, the learning rate to 0.01.";

    /// <summary>
    /// Adam's step size for drags on this model: with the reference's 0.001 a handle moves about 2 px in
    /// 60 steps (its w space is narrow: w_dim 128, mapping learning-rate multiplier 0.1); 0.01 reaches the target.
    /// </summary>
    public const double DefaultLearningRate = 0.01;

    private const string ResourceName = "DragGan.Engine.Models.BuiltIn.faces-128.safetensors";

    private static readonly Lazy<GeneratorConfig> HeaderConfig = new(() => WithExtractedFile(path => NativeCheckpointFormat.ReadInfo(path).Config));

    /// <summary>The embedded checkpoint's config, read from its header without loading the tensors.</summary>
    public static GeneratorConfig Config => HeaderConfig.Value;

    /// <summary>Loads the embedded weights as float32 tensors on the CPU; the caller owns the checkpoint.</summary>
    public static GeneratorCheckpoint CreateCheckpoint() => WithExtractedFile(NativeCheckpointFormat.Read);

    // The native reader works on files (random access by offset), so the resource is copied to a
    // temporary file for the duration of one read.
    private static T WithExtractedFile<T>(Func<string, T> read)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{Name}-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var resource = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
                ?? throw new InvalidOperationException($"The assembly lacks its embedded resource '{ResourceName}'."))
            using (var file = File.Create(path))
                resource.CopyTo(file);
            return read(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

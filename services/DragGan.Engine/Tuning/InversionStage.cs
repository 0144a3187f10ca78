namespace DragGan.Engine.Tuning;

/// <summary>Which stage of an <see cref="InversionRun"/> a step belongs to.</summary>
public enum InversionStage
{
    /// <summary>Searching the latent (with tuning to follow: PTI's pivot).</summary>
    Projection,

    /// <summary>Pivotal tuning of the weight delta at the pivot.</summary>
    Tuning,
}

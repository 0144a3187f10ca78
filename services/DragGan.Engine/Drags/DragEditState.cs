namespace DragGan.Engine.Drags;

/// <summary>
/// Everything needed to continue an edit on any replica: latents, points, mask, parameters, step,
/// and optionally Adam's moments and the handles' reference features. F0 (the first step's
/// features) is recomputed from <see cref="InitialLatent"/> on resume; handles without a stored
/// reference feature take it from F0 at their origin, as at the start of a drag.
/// </summary>
public sealed record DragEditState
{
    public required int NumWs { get; init; }

    public required int WDim { get; init; }

    /// <summary>w0: the latent the drag started from, [num_ws * w_dim] row-major.</summary>
    public required float[] InitialLatent { get; init; }

    /// <summary>The current w+ (optimised rows and w0's rows), [num_ws * w_dim] row-major.</summary>
    public required float[] Latent { get; init; }

    public required IReadOnlyList<DragHandleState> Handles { get; init; }

    /// <summary>1 = fixed region, row-major [resolution * resolution]; null for no mask.</summary>
    public bool[]? FixedRegion { get; init; }

    public required DragParameters Parameters { get; init; }

    public int Step { get; init; }

    public AdamSnapshot? Adam { get; init; }
}

/// <summary>One handle: where it is, where it goes, and where its tracked feature came from.</summary>
public sealed record DragHandleState(PixelPoint Handle, PixelPoint Target)
{
    /// <summary>The pixel whose feature is tracked; defaults to <see cref="Handle"/>.</summary>
    public PixelPoint? Origin { get; init; }

    /// <summary>The tracked feature vector [C]; null to take it from F0 at the origin.</summary>
    public float[]? ReferenceFeature { get; init; }
}

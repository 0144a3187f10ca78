using static TorchSharp.torch;

namespace DragGan.Engine.Inversion;

/// <summary>A latent a projection found, with the quality of its reconstruction.</summary>
public sealed record ProjectionResult
{
    /// <summary>Steps taken when this latent was reached (0: the starting latent).</summary>
    public required int Step { get; init; }

    /// <summary>w+, num_ws rows of w_dim values, row by row; in W space every row is the same w.</summary>
    public required float[] Latent { get; init; }

    public required int NumWs { get; init; }

    public required int WDim { get; init; }

    /// <summary>Reconstruction quality with constant noise at the generator's resolution.</summary>
    public required ReconstructionQuality Quality { get; init; }

    /// <summary>The latent as a [1, num_ws, w_dim] tensor, ready for synthesis or a drag edit.</summary>
    public Tensor ToTensor(Device? device = null) => torch.tensor(Latent, [1, NumWs, WDim], device: device ?? CPU);
}

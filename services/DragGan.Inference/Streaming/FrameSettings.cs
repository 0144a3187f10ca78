using DragGan.Inference.Services;
using DragGan.Protos.V1;

namespace DragGan.Inference.Streaming;

/// <summary>Checked <see cref="FrameOptions"/>: which frames of a stream carry an image, and which the latent and state.</summary>
internal sealed record FrameSettings(ImageRendering Image, int ImageEvery, int LatentEvery)
{
    public const int MaxInterval = 100_000;

    /// <summary>
    /// A stream's frames are at most this many times the model's side: every step's image would
    /// otherwise be upscaled and encoded on the replica's cores, outside any tenant's turn (a
    /// 256 px model's frames at 2048 px take 64 times the pixels); a client scales a frame itself.
    /// </summary>
    public const int MaxSideFactor = 2;

    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming <paramref name="field"/>.image.*, .every_k_steps or .latent_every_k_steps.</exception>
    public static FrameSettings From(FrameOptions? options, string field, int modelResolution)
    {
        var image = ImageRendering.From(options?.Image, $"{field}.image");
        var maxSide = MaxSideFactor * modelResolution;
        if (image.Size > maxSide)
            throw Invalid.Argument($"{field}.image.size", $"is {image.Size}; a stream's frames are at most {maxSide} px ({MaxSideFactor}x the model's {modelResolution} px): scale them on the client.");
        var imageEvery = Interval(options?.EveryKSteps ?? 0, $"{field}.every_k_steps");
        var latentEvery = Interval(options?.LatentEveryKSteps ?? 0, $"{field}.latent_every_k_steps");
        // 0 means "every step" for images and "only at the end" for latents (FrameOptions' contract).
        return new FrameSettings(image, imageEvery == 0 ? 1 : imageEvery, latentEvery);
    }

    public bool ImageDue(int step) => step % ImageEvery == 0;

    public bool LatentDue(int step) => LatentEvery > 0 && step % LatentEvery == 0;

    private static int Interval(uint value, string field) => value <= MaxInterval
        ? (int)value
        : throw Invalid.Argument(field, $"must be 0 or 1..{MaxInterval}, got {value}.");
}

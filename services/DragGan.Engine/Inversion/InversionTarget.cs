using DragGan.Engine.Imaging;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Inversion;

/// <summary>
/// The image a projection reproduces, brought to the generator's resolution: [1, 3, R, R] float32
/// on its device. The image must be square (the reference centre-crops instead; a service should
/// not silently drop part of a user's picture). Larger images are reduced by area averaging
/// (<c>interpolate(mode='area')</c>: each output pixel is the mean of the input pixels it covers,
/// exactly a box filter for integer factors), as the reference reduces images above 256 px for
/// its VGG16; smaller ones are enlarged bicubically. The reference brings the target to the
/// generator's resolution with PIL's Lanczos filter beforehand. Values are not clamped: a generator's own image, which may leave [-1, 1],
/// keeps its latent as an exact minimum of the pixel loss (quality is measured on clamped images).
/// An 8-bit image is brought to the resolution on the CPU, so only the model-sized target reaches
/// the device.
/// </summary>
public static class InversionTarget
{
    public const string Field = "start.image";

    /// <summary>[1, 3, R, R] float32 on <paramref name="device"/>, resized on the CPU.</summary>
    /// <exception cref="ArgumentException">The image is not square (<c>start.image</c>).</exception>
    public static Tensor FromRgb(RgbImage image, int resolution, Device device)
    {
        ArgumentNullException.ThrowIfNull(image, Field);
        RequireSquare(image.Width, image.Height);
        using var scope = NewDisposeScope();
        return Resize(ImageCodec.ToTensor(image), resolution).to(device).MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="image"/>: [3, H, W] or [1, 3, H, W], floating point, in [-1, 1] for displayable pixels.</summary>
    internal static Tensor FromTensor(Tensor image, int resolution, Device device)
    {
        ArgumentNullException.ThrowIfNull(image, Field);
        var shape = image.shape;
        var valid = shape.Length switch
        {
            3 => shape[0] == 3,
            4 => shape[0] == 1 && shape[1] == 3,
            _ => false,
        };
        if (!valid)
            throw new ArgumentException($"{Field} must be [3, H, W] or [1, 3, H, W], got [{string.Join(", ", shape)}].", Field);
        if (!image.is_floating_point())
            throw new ArgumentException($"{Field} must be a floating-point tensor in [-1, 1], got {image.dtype}.", Field);
        RequireSquare(shape[^1], shape[^2]);
        using var scope = NewDisposeScope();
        var x = image.detach().to(ScalarType.Float32, device).reshape(1, 3, shape[^2], shape[^1]);
        if (!x.isfinite().all().item<bool>())
            throw new ArgumentException($"{Field} contains NaN or infinite values.", Field);
        return Resize(x, resolution).MoveToOuterDisposeScope();
    }

    private static void RequireSquare(long width, long height)
    {
        if (width != height)
            throw new ArgumentException($"{Field} must be square, got {width}x{height}; crop it first.", Field);
    }

    private static Tensor Resize(Tensor x, int resolution)
    {
        var size = x.shape[2];
        if (size == resolution)
            return x.contiguous();
        var resized = size > resolution
            ? F.interpolate(x, [resolution, resolution], mode: InterpolationMode.Area)
            : F.interpolate(x, [resolution, resolution], mode: InterpolationMode.Bicubic, align_corners: false);
        return resized.contiguous();
    }
}

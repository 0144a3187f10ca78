using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Drags;

/// <summary>
/// One edit's feature map as the reference sees it: block b128's output resized bilinearly
/// (align_corners=false) to the image size. Instead of materialising the resized map (256 channels
/// at 512x512 is 256 MB per edit), values are sampled from the low-resolution map where needed:
/// <c>grid_sample</c> with align_corners=false and border padding at pixel centres reproduces
/// <c>interpolate</c>'s source coordinates ((i + 0.5) * in / out - 0.5, clamped to the edges).
/// </summary>
internal sealed class ResizedFeatureMap(Tensor lowResolution, int imageSize)
{
    /// <summary>[1, C, r, r] float32.</summary>
    public Tensor LowResolution { get; } = lowResolution;

    public int ImageSize { get; } = imageSize;

    public long Channels => LowResolution.shape[1];

    /// <summary>Values of the resized map at integer pixels: rows, cols [K] -> [C, K].</summary>
    public Tensor AtPixels(Tensor rows, Tensor cols)
    {
        var x = cols.to(ScalarType.Float32).mul(2).add(1).div(ImageSize).sub(1);
        var y = rows.to(ScalarType.Float32).mul(2).add(1).div(ImageSize).sub(1);
        var grid = torch.stack([x, y], -1).reshape(1, 1, -1, 2).to(LowResolution.device);
        var sampled = F.grid_sample(LowResolution, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        return sampled.reshape(Channels, -1);
    }

    /// <summary>
    /// The reference's <c>grid_sample(feat_resize, grid, align_corners=True)</c> at fractional pixel
    /// coordinates (zero padding): a bilinear blend of the resized map's four neighbouring pixels,
    /// each of which is itself sampled from the low-resolution map. ys, xs [K] -> [C, K].
    /// </summary>
    public Tensor Bilinear(Tensor ys, Tensor xs)
    {
        var y0 = ys.floor();
        var x0 = xs.floor();
        var wy = ys.sub(y0);
        var wx = xs.sub(x0);

        var rows = torch.cat([y0, y0, y0.add(1), y0.add(1)]);
        var cols = torch.cat([x0, x0.add(1), x0, x0.add(1)]);
        var weights = torch.cat([
            wy.neg().add(1).mul(wx.neg().add(1)),
            wy.neg().add(1).mul(wx),
            wy.mul(wx.neg().add(1)),
            wy.mul(wx),
        ]);
        // Neighbours outside the image count as zero, as grid_sample's zero padding.
        var inside = rows.ge(0).logical_and(rows.le(ImageSize - 1)).logical_and(cols.ge(0)).logical_and(cols.le(ImageSize - 1));
        weights = weights.mul(inside.to(weights.dtype));

        var values = AtPixels(rows.clamp(0, ImageSize - 1), cols.clamp(0, ImageSize - 1)); // [C, 4K]
        var count = ys.shape[0];
        return values.mul(weights.to(values.device)).reshape(Channels, 4, count).sum([1]);
    }
}

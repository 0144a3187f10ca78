using DragGan.Engine.Imaging;
using TorchSharp;

namespace DragGan.Engine.Tests.Imaging;

public sealed class ImageCodecTests
{
    [Fact]
    public void ConvertsLikeTheReference()
    {
        // (x * 127.5 + 128).clamp(0, 255).to(uint8), truncating.
        float[] values = [-1f, 1f, 0f, 0.5f, -0.5f, 3f, -3f, 0.999f, -0.996f];
        byte[] expected = [0, 255, 128, 191, 64, 255, 0, 255, 1];
        using var image = torch.tensor(values.SelectMany(v => new[] { v, v, v }).ToArray(), [values.Length, 1, 3]).permute(2, 1, 0);

        var rgb = ImageCodec.ToRgb(image);

        Assert.Equal(values.Length, rgb.Width);
        Assert.Equal(1, rgb.Height);
        Assert.Equal(expected.SelectMany(v => new[] { v, v, v }).ToArray(), rgb.Pixels);
    }

    [Fact]
    public void AcceptsChwAndBatchOfOneOnly()
    {
        using var chw = torch.rand(3, 5, 7).mul(2).sub(1);
        using var nchw = chw.unsqueeze(0);

        Assert.Equal(ImageCodec.ToRgb(chw).Pixels, ImageCodec.ToRgb(nchw).Pixels);
        Assert.Equal(7, ImageCodec.ToRgb(chw).Width);
        Assert.Equal(5, ImageCodec.ToRgb(chw).Height);
        Assert.Throws<ArgumentException>(() => ImageCodec.ToRgb(torch.zeros(2, 3, 5, 7)));
        Assert.Throws<ArgumentException>(() => ImageCodec.ToRgb(torch.zeros(4, 5, 7)));
        Assert.Throws<ArgumentException>(() => ImageCodec.ToRgb(torch.zeros(5, 7)));
        Assert.Throws<ArgumentException>(() => ImageCodec.ToRgb(torch.zeros([3, 5, 7], torch.ScalarType.Byte)));
    }

    [Fact]
    public void PngRoundTripIsLossless()
    {
        using var generator = new torch.Generator(5);
        using var image = torch.rand([1, 3, 37, 53], generator: generator).mul(2.4).sub(1.2);
        var rgb = ImageCodec.ToRgb(image);

        var png = ImageCodec.Encode(image);
        Assert.Equal(ImageFormat.Png, ImageCodec.DetectFormat(png));

        var decoded = ImageCodec.Decode(png);
        Assert.Equal(53, decoded.Width);
        Assert.Equal(37, decoded.Height);
        Assert.Equal(rgb.Pixels, decoded.Pixels);

        // Decoded tensors are [1, 3, H, W] in [-1, 1] and map back to the same bytes.
        using var tensor = ImageCodec.DecodeToTensor(png);
        Assert.Equal([1L, 3, 37, 53], tensor.shape);
        Assert.Equal(torch.ScalarType.Float32, tensor.dtype);
        Assert.True(tensor.min().item<float>() >= -1f && tensor.max().item<float>() <= 1f);
        Assert.Equal(rgb.Pixels, ImageCodec.ToRgb(tensor).Pixels);
    }

    [Fact]
    public void JpegIsCloseAtHighQualityAndSmallerAtLowQuality()
    {
        var rgb = Gradient(64, 48);

        var best = ImageCodec.Encode(rgb, ImageFormat.Jpeg, jpegQuality: 95);
        var worst = ImageCodec.Encode(rgb, ImageFormat.Jpeg, jpegQuality: 5);
        Assert.Equal(ImageFormat.Jpeg, ImageCodec.DetectFormat(best));
        Assert.True(worst.Length < best.Length);

        var decoded = ImageCodec.Decode(best);
        Assert.Equal((64, 48), (decoded.Width, decoded.Height));
        Assert.True(MeanAbsoluteDifference(rgb, decoded) < 3, "JPEG at quality 95 should be close");
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageCodec.Encode(rgb, ImageFormat.Jpeg, jpegQuality: 0));
    }

    [Fact]
    public void NonImageBytesAreRejectedClearly()
    {
        var text = System.Text.Encoding.UTF8.GetBytes("definitely not an image");
        Assert.Contains("Not a PNG or JPEG", Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(text)).Message);
        Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode([]));
        Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode("GIF89a\x01\0\x01\0"u8));

        var png = ImageCodec.Encode(Gradient(32, 32), ImageFormat.Png);
        Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(png.AsSpan(0, png.Length / 2)));
        Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(png.AsSpan(0, 12)));

        var jpeg = ImageCodec.Encode(Gradient(32, 32), ImageFormat.Jpeg);
        Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(jpeg.AsSpan(0, jpeg.Length / 2)));
    }

    [Fact]
    public void RefusesImagesAboveThePixelLimit()
    {
        var png = ImageCodec.Encode(Gradient(40, 30), ImageFormat.Png);

        Assert.Contains("40x30", Assert.Throws<ImageDecodeException>(() => ImageCodec.Decode(png, maxPixels: 1000)).Message);
        Assert.Equal(40, ImageCodec.Decode(png, maxPixels: 1200).Width);
    }

    [Fact]
    public void ResizesBothWaysAndKeepsFlatColour()
    {
        var flat = new RgbImage(64, 64, Enumerable.Repeat(new byte[] { 200, 30, 90 }, 64 * 64).SelectMany(p => p).ToArray());

        foreach (var size in new[] { 17, 32, 128 })
        {
            var resized = ImageCodec.Resize(flat, size, size);
            Assert.Equal((size, size), (resized.Width, resized.Height));
            Assert.All(resized.Pixels.Chunk(3), p => Assert.Equal([200, 30, 90], p.Select(v => (int)v).ToArray()));
        }

        using var tensor = torch.zeros(3, 64, 32);
        var encoded = ImageCodec.Encode(tensor, new ImageEncodeOptions { Width = 16 });
        var decoded = ImageCodec.Decode(encoded);
        Assert.Equal((16, 32), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void AppliesJpegExifOrientation()
    {
        // Left half red, right half blue; EXIF orientation 6 means "rotate 90 degrees clockwise to display".
        var pixels = new byte[32 * 16 * 3];
        for (var y = 0; y < 16; y++)
        {
            for (var x = 0; x < 32; x++)
            {
                var o = (y * 32 + x) * 3;
                (pixels[o], pixels[o + 1], pixels[o + 2]) = x < 16 ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)0, (byte)255);
            }
        }
        var jpeg = WithExifOrientation(ImageCodec.Encode(new RgbImage(32, 16, pixels), ImageFormat.Jpeg, 95), orientation: 6);

        var decoded = ImageCodec.Decode(jpeg);

        Assert.Equal((16, 32), (decoded.Width, decoded.Height));
        var top = decoded.Pixels.AsSpan((4 * 16 + 8) * 3, 3).ToArray();
        var bottom = decoded.Pixels.AsSpan((28 * 16 + 8) * 3, 3).ToArray();
        Assert.True(top[0] > 200 && top[2] < 50, $"top should be red, got {string.Join(",", top)}");
        Assert.True(bottom[2] > 200 && bottom[0] < 50, $"bottom should be blue, got {string.Join(",", bottom)}");
    }

    [Fact]
    public void KnowsFormatsByFileName()
    {
        Assert.Equal(ImageFormat.Png, ImageCodec.FormatFromPath("a/b.PNG"));
        Assert.Equal(ImageFormat.Jpeg, ImageCodec.FormatFromPath("b.jpeg"));
        Assert.Equal(ImageFormat.Jpeg, ImageCodec.FormatFromPath("b.jpg"));
        Assert.Null(ImageCodec.FormatFromPath("b.gif"));
        Assert.Equal("image/png", ImageCodec.ContentType(ImageFormat.Png));
    }

    private static RgbImage Gradient(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var o = (y * width + x) * 3;
                pixels[o] = (byte)(x * 255 / (width - 1));
                pixels[o + 1] = (byte)(y * 255 / (height - 1));
                pixels[o + 2] = 128;
            }
        }
        return new RgbImage(width, height, pixels);
    }

    private static double MeanAbsoluteDifference(RgbImage a, RgbImage b) =>
        a.Pixels.Zip(b.Pixels).Average(p => Math.Abs(p.First - p.Second));

    /// <summary>Inserts an EXIF APP1 segment holding only the Orientation tag right after the JPEG's SOI marker.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, // little-endian TIFF header, first IFD at offset 8
            1, 0,                                     // one entry
            0x12, 0x01, 3, 0, 1, 0, 0, 0,             // tag 0x0112 Orientation, SHORT, count 1
            (byte)orientation, 0, 0, 0,               // value
            0, 0, 0, 0,                               // no next IFD
        ];
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var length = payload.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }
}

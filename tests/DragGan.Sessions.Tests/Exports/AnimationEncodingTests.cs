using DragGan.Protos.V1;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Exports;
using DragGan.Sessions.Services;
using DragGan.Sessions.Storage;
using Google.Protobuf;
using Grpc.Core;
using SkiaSharp;

namespace DragGan.Sessions.Tests.Exports;

/// <summary>An animation is encoded frame by frame: its memory is one decoded frame, and its size is capped.</summary>
public sealed class AnimationEncodingTests
{
    private const int Size = 64;

    [Fact]
    public void Frames_AreDecodedOneAtATime_EachGoneBeforeTheNextIsDecoded()
    {
        var stored = Enumerable.Range(1, 12).Select(step => Frame((uint)step)).ToList();
        var decoded = new List<WeakReference<byte[]>>();
        var mostAlive = 0;

        var gif = SessionExports.EncodeGif(stored, Size, 8, 100, long.MaxValue, (image, size) =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            mostAlive = Math.Max(mostAlive, decoded.Count(d => d.TryGetTarget(out _)));
            var pixels = FramePixels.Decode(image, size);
            decoded.Add(new WeakReference<byte[]>(pixels));
            return pixels;
        });

        // The frame before the one being decoded may still be on its way out; none earlier.
        Assert.True(mostAlive <= 1, $"{mostAlive} decoded frames were alive at once");
        using var codec = SKCodec.Create(new MemoryStream(gif));
        Assert.Equal(stored.Count, codec.FrameCount);
    }

    [Fact]
    public void AnAnimationLargerThanAResponse_IsRefusedNamingTheSize()
    {
        var stored = Enumerable.Range(1, 12).Select(step => Frame((uint)step)).ToList();

        var error = Assert.Throws<LimitReachedException>(() => SessionExports.EncodeGif(stored, Size, 8, 100, 4096, FramePixels.Decode));

        // As clients get it.
        var status = SessionsErrorStatuses.Of(error);
        Assert.Equal(StatusCode.ResourceExhausted, status.StatusCode);
        Assert.StartsWith("size ", status.Detail);
    }

    /// <summary>A noisy frame (noise compresses badly, so frames add up).</summary>
    private static StoredDragFrame Frame(uint step)
    {
        var random = new Random((int)step);
        var rgb = new byte[Size * Size * 3];
        random.NextBytes(rgb);
        return new StoredDragFrame
        {
            DragId = "d",
            Step = step,
            Image = new EncodedImage { Encoding = ImageEncoding.RawRgb, Width = Size, Height = Size, Data = ByteString.CopyFrom(rgb) },
        };
    }
}

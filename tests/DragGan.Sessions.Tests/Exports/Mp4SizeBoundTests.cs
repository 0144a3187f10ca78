using DragGan.Sessions.Exports;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Tests.Exports;

/// <summary>
/// An MP4's size is bounded while ffmpeg writes it: past the bound the encoder is stopped and
/// no more frames are decoded for it, instead of the whole file being buffered and then measured.
/// </summary>
public sealed class Mp4SizeBoundTests
{
    private const int Size = 128;
    private const int Frames = 400;

    [Fact]
    public async Task AnMp4PastItsBound_StopsTheEncoder_BeforeItTakesTheRemainingFrames()
    {
        using var workers = new BackgroundPriorityWorkers(1, 0, "Test", NullLogger<BackgroundPriorityWorkers>.Instance);
        var encoder = new FfmpegVideoEncoder(Options.Create(new SessionsOptions()), workers, NullLogger<FfmpegVideoEncoder>.Instance);
        var taken = 0;
        var random = new Random(5);
        IEnumerable<byte[]> Noise()
        {
            for (var i = 0; i < Frames; i++)
            {
                taken++;
                var frame = new byte[Size * Size * 3];
                random.NextBytes(frame);
                yield return frame;
            }
        }

        var error = await Assert.ThrowsAsync<VideoTooLargeException>(() => encoder.EncodeMp4Async(Noise(), Frames, Size, 40, maxBytes: 64 * 1024, CancellationToken.None));

        Assert.Equal(64 * 1024, error.MaxBytes);
        // Noise hardly compresses: the bound is passed after a few frames, far from the last one.
        Assert.InRange(taken, 1, Frames / 2);
    }
}

using DragGan.Protos.V1;

namespace DragGan.Client.Tests.Support;

/// <summary>Runs a library drag as its callers would: read frames, stop once it converges or reaches its limit, keep reading to the commit.</summary>
public static class Drags
{
    public static async Task<(List<SessionDragFrame> Frames, SessionDragFrame Result)> RunToEndAsync(SessionDrag drag)
    {
        var frames = new List<SessionDragFrame>();
        await foreach (var frame in drag.ReadFramesAsync())
        {
            frames.Add(frame);
            if (frame.Frame.Converged || frame.Frame.StepLimitReached)
                await drag.StopAsync();
        }
        Assert.NotNull(drag.Result);
        return (frames, drag.Result);
    }

    /// <summary>One pair at the demo model's scale, with images on frames so the GIF export has them.</summary>
    public static SessionDragStart Start(string sessionId, uint maxSteps) => new()
    {
        SessionId = sessionId,
        Points = { DragPoints.Pair(100, 128, 130, 128) },
        Parameters = new DragParameters { MaxSteps = maxSteps, StopDistance = 0.5 },
        FrameOptions = new FrameOptions { Image = new ImageOptions { Encoding = ImageEncoding.Jpeg, Size = 64 } },
    };
}

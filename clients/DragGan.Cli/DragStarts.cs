using DragGan.Protos.V1;

namespace DragGan.Cli;

/// <summary>The start of a command's drag: its points, mask and parameters, and frames that carry images for the GIF.</summary>
internal static class DragStarts
{
    /// <summary>Frames larger than this are stored downscaled: a GIF of a 1024 px model would be huge.</summary>
    private const uint MaxFrameSize = 512;

    public static SessionDragStart Create(string sessionId, IReadOnlyList<PointPair> points, Mask? mask, uint? steps, double? learningRate, uint resolution)
    {
        var parameters = new DragParameters();
        if (steps is { } maxSteps)
            parameters.MaxSteps = maxSteps;
        if (learningRate is { } rate)
            parameters.LearningRate = rate;
        var start = new SessionDragStart
        {
            SessionId = sessionId,
            Mask = mask,
            Parameters = parameters,
            // Every step's image is kept by the service for the GIF export; JPEG keeps that small.
            FrameOptions = new FrameOptions
            {
                EveryKSteps = 1,
                Image = new ImageOptions { Encoding = ImageEncoding.Jpeg, Size = resolution > MaxFrameSize ? MaxFrameSize : 0 },
            },
        };
        start.Points.AddRange(points);
        return start;
    }
}

using DragGan.Protos.V1;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Services;
using Google.Protobuf;

namespace DragGan.Sessions.Domain;

/// <summary>
/// Checks what a drag's start holds against the session's model before the start is kept with the
/// session: a request may carry 16 MiB, and a start that the inference service would refuse must
/// not be written to the store first (nor, with fields this service does not know, be kept while
/// the drag runs). The bounds are the inference service's: a mask of the model's size, at most
/// <see cref="MaxPoints"/> pairs, parameters and frame options of a few scalars each.
/// </summary>
internal static class DragStartBounds
{
    /// <summary>The inference service's bound on handle/target pairs (the engine's DragLimits).</summary>
    public const int MaxPoints = 32;

    /// <summary>Parameters and frame options are a handful of scalars; more is fields nobody reads.</summary>
    public const int MaxOptionBytes = 1024;

    /// <exception cref="InvalidInputException">Naming start.mask.*, start.points, start.parameters or start.frame_options.</exception>
    public static void Check(DragStart start, FrameOptions? frameOptions, uint resolution)
    {
        if (start.Mask is { Values.IsEmpty: false } mask)
        {
            if (mask.Width != resolution)
                throw new InvalidInputException("start.mask.width", $"must equal the model's resolution {resolution}, got {mask.Width}.");
            if (mask.Height != resolution)
                throw new InvalidInputException("start.mask.height", $"must equal the model's resolution {resolution}, got {mask.Height}.");
            if (mask.Values.Length != (long)resolution * resolution)
                throw new InvalidInputException("start.mask.values", $"must hold width * height = {(long)resolution * resolution} bytes, got {mask.Values.Length}.");
        }
        if (start.Points.Count > MaxPoints)
            throw new InvalidInputException("start.points", $"may hold at most {MaxPoints} handle/target pairs, got {start.Points.Count}.");
        CheckOptionSize(start.Parameters, "start.parameters");
        CheckOptionSize(frameOptions, "start.frame_options");
    }

    private static void CheckOptionSize(IMessage? options, string field)
    {
        if (options is not null && options.CalculateSize() is var size and > MaxOptionBytes)
            throw new InvalidInputException(field, $"holds {size} bytes; its fields take at most {MaxOptionBytes}.");
    }
}

namespace DragGan.Faces.Rendering;

/// <summary>
/// The points every rendered face reports, in this order. Left and right are as seen in the
/// image (image left is the face's right side). Each one lies inside the feature it names, so
/// the pixel under it has that feature's colour.
/// </summary>
public enum FaceLandmark
{
    /// <summary>Centre of the pupil of the eye on the image's left; it moves with the gaze.</summary>
    LeftEye,
    RightEye,
    LeftBrowOuter,
    LeftBrowInner,
    RightBrowInner,
    RightBrowOuter,
    NoseTip,
    LeftMouthCorner,
    RightMouthCorner,

    /// <summary>Middle of the upper lip, halfway through its thickness.</summary>
    UpperLip,
    LowerLip,

    /// <summary>Lowest point of the face outline (the head's edge above the neck).</summary>
    Chin,
}

/// <summary>Facts about the <see cref="FaceLandmark"/> set.</summary>
public static class FaceLandmarks
{
    public const int Count = 12;

    public static IReadOnlyList<FaceLandmark> All { get; } = Enum.GetValues<FaceLandmark>();
}

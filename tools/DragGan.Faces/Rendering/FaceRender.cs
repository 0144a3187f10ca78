using System.Numerics;
using DragGan.Engine.Imaging;

namespace DragGan.Faces.Rendering;

/// <summary>A rendered face and its landmarks in image pixels (x right, y down, pixel centres at +0.5), in <see cref="FaceLandmark"/> order.</summary>
public sealed record FaceRender(RgbImage Image, IReadOnlyList<Vector2> Landmarks)
{
    public Vector2 this[FaceLandmark landmark] => Landmarks[(int)landmark];
}

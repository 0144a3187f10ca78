using DragGan.Engine.Imaging;
using DragGan.Inference.Services;
using DragGan.Protos.V1;

namespace DragGan.Inference.Drags;

/// <summary>
/// A frame waiting in a stream's queue. Its image stays as pixels until the stream's writer sends
/// it, so encoding happens on the stream's own task, in parallel across streams and outside the
/// model's gate, and a frame dropped for a slow consumer costs no encoding at all.
/// </summary>
internal sealed record PendingFrame(DragFrame Frame, RgbImage? Image, ImageRendering Rendering)
{
    public DragFrame ToMessage()
    {
        if (Image is not null)
            Frame.Image = Rendering.Encode(Image);
        return Frame;
    }
}

namespace DragGan.Inference.Telemetry;

/// <summary>Values of the <c>kind</c> label: which streaming method a stream or step belongs to.</summary>
public static class StreamKinds
{
    public const string Drag = "drag";
    public const string Invert = "invert";
}

using static TorchSharp.torch;

namespace DragGan.Engine.Drags;

/// <summary>
/// One handle/target pair of a live edit, in (row, col) pixels as the reference computes.
/// The handle is tracked on the integer pixel grid; its reference feature is the feature at the
/// pixel it started from, taken from the forward in which it first takes part.
/// </summary>
internal sealed class DragHandle : IDisposable
{
    public DragHandle(PixelPoint handle, PixelPoint target)
    {
        Row = ToPixel(handle.Y);
        Col = ToPixel(handle.X);
        OriginRow = Row;
        OriginCol = Col;
        Target = target;
    }

    public int Row { get; set; }

    public int Col { get; set; }

    /// <summary>The pixel whose feature the handle tracks.</summary>
    public int OriginRow { get; private set; }

    public int OriginCol { get; private set; }

    public PixelPoint Target { get; set; }

    /// <summary>[C] feature the tracker looks for; null until the next forward provides it.</summary>
    public Tensor? Reference { get; private set; }

    public PixelPoint Position => new(Col, Row);

    public double DistanceToTarget => Math.Sqrt(Math.Pow(Target.X - Col, 2) + Math.Pow(Target.Y - Row, 2));

    /// <summary>Python's round(), as the reference rounds the clicked points: half to even.</summary>
    public static int ToPixel(double coordinate) => (int)Math.Round(coordinate, MidpointRounding.ToEven);

    /// <summary>Takes the feature at the handle's origin in this map as the one it tracks.</summary>
    public void TakeReference(ResizedFeatureMap map)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        SetReference(map.AtPixels(torch.tensor(new long[] { OriginRow }), torch.tensor(new long[] { OriginCol })).squeeze(1));
    }

    public void SetReference(Tensor feature)
    {
        Reference?.Dispose();
        Reference = feature.detach().clone().DetachFromDisposeScope();
    }

    /// <summary>Drops the reference feature; the next forward takes it again at the origin.</summary>
    public void ForgetReference()
    {
        Reference?.Dispose();
        Reference = null;
    }

    /// <summary>Places the handle elsewhere: it will track the feature found there at the next forward.</summary>
    public void MoveTo(PixelPoint handle)
    {
        Row = OriginRow = ToPixel(handle.Y);
        Col = OriginCol = ToPixel(handle.X);
        Reference?.Dispose();
        Reference = null;
    }

    /// <summary>Back to where it started, keeping its reference feature.</summary>
    public void ReturnToOrigin()
    {
        Row = OriginRow;
        Col = OriginCol;
    }

    internal void RestoreOrigin(PixelPoint origin)
    {
        OriginRow = ToPixel(origin.Y);
        OriginCol = ToPixel(origin.X);
    }

    public void Dispose() => Reference?.Dispose();
}

using static TorchSharp.torch;

namespace DragGan.Engine.Drag;

/// <summary>
/// One handle/target pair of a live edit, in (row, col) pixels as the reference computes.
/// The handle is tracked on the integer pixel grid; its reference feature is the feature at the
/// pixel it started from, taken from the forward in which it first takes part.
/// </summary>
internal sealed class DragHandle : IDisposable
{
    public DragHandle(PixelPoint handle, PixelPoint target)
    {
        // Python's round(), as the reference rounds the clicked points: half to even.
        Row = (int)Math.Round(handle.Y, MidpointRounding.ToEven);
        Col = (int)Math.Round(handle.X, MidpointRounding.ToEven);
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

    public void SetReference(Tensor feature)
    {
        Reference?.Dispose();
        Reference = feature.detach().clone().DetachFromDisposeScope();
    }

    /// <summary>Places the handle elsewhere: it will track the feature found there at the next forward.</summary>
    public void MoveTo(PixelPoint handle)
    {
        Row = OriginRow = (int)Math.Round(handle.Y, MidpointRounding.ToEven);
        Col = OriginCol = (int)Math.Round(handle.X, MidpointRounding.ToEven);
        Reference?.Dispose();
        Reference = null;
    }

    /// <summary>Back to where it started, keeping its reference feature.</summary>
    public void ReturnToOrigin()
    {
        Row = OriginRow;
        Col = OriginCol;
    }

    internal void RestoreOrigin(int row, int col)
    {
        OriginRow = row;
        OriginCol = col;
    }

    public void Dispose() => Reference?.Dispose();
}

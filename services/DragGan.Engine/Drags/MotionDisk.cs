namespace DragGan.Engine.Drags;

/// <summary>
/// The pixels q of the disk ||q - p|| &lt; r1 around a handle p, whose features motion supervision
/// moves (paper Eq. 1, Omega_1(p_i, r1)). The engine uses integer pixel centres. The reference
/// builds its grid with <c>torch.linspace(0, h, h)</c>, spaced h/(h-1), which shifts the disk by up
/// to a pixel far from the origin; <paramref name="referenceGrid"/> reproduces that for parity tests.
/// </summary>
internal static class MotionDisk
{
    public static (long[] Rows, long[] Cols) Around(int row, int col, double radius, int size, bool referenceGrid)
    {
        var rows = new List<long>();
        var cols = new List<long>();
        var scale = referenceGrid ? (float)size / (size - 1) : 1f;
        var reach = (int)Math.Ceiling(radius) + 1;
        for (var i = Math.Max(row - reach - 1, 0); i <= Math.Min(row + reach + 1, size - 1); i++)
        {
            for (var j = Math.Max(col - reach - 1, 0); j <= Math.Min(col + reach + 1, size - 1); j++)
            {
                // float32 as the reference's grid; exact on the integer grid.
                var dy = i * scale - row;
                var dx = j * scale - col;
                if (MathF.Sqrt(dy * dy + dx * dx) < radius)
                {
                    rows.Add(i);
                    cols.Add(j);
                }
            }
        }
        return (rows.ToArray(), cols.ToArray());
    }
}

using static TorchSharp.torch;

namespace DragGan.Engine.Drags;

/// <summary>
/// Point tracking (paper Eq. 2): each handle moves to the pixel of the square window of radius r2
/// around it whose feature is nearest (L2) to the handle's reference feature. The window is
/// clipped to the image and ties go to the first pixel in row-major order, as the reference's
/// <c>torch.min</c> over the flattened patch.
/// </summary>
internal static class PointTracker
{
    public static void Track(ResizedFeatureMap map, IReadOnlyList<DragHandle> handles, int radius)
    {
        if (handles.Count == 0)
            return;
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();

        var windows = handles.Select(h => Window(h, radius, map.ImageSize)).ToArray();
        var rows = windows.SelectMany(w => w.Rows).ToArray();
        var cols = windows.SelectMany(w => w.Cols).ToArray();
        var values = map.AtPixels(torch.tensor(rows), torch.tensor(cols)); // [C, sum K]

        var best = new Tensor[handles.Count];
        var offset = 0L;
        for (var i = 0; i < handles.Count; i++)
        {
            var count = windows[i].Rows.Length;
            var patch = values.narrow(1, offset, count);
            var distances = patch.sub(handles[i].Reference!.reshape(-1, 1)).square().sum([0]).sqrt(); // sum([0]): a bare 0 would bind to sum(ScalarType)
            best[i] = distances.argmin().add(offset);
            offset += count;
        }
        // One host sync for all handles.
        var indices = torch.stack(best).cpu().data<long>().ToArray();
        for (var i = 0; i < handles.Count; i++)
        {
            handles[i].Row = (int)rows[indices[i]];
            handles[i].Col = (int)cols[indices[i]];
        }
    }

    private static (long[] Rows, long[] Cols) Window(DragHandle handle, int radius, int size)
    {
        var top = Math.Max(handle.Row - radius, 0);
        var bottom = Math.Min(handle.Row + radius + 1, size);
        var left = Math.Max(handle.Col - radius, 0);
        var right = Math.Min(handle.Col + radius + 1, size);
        var count = (bottom - top) * (right - left);
        var rows = new long[count];
        var cols = new long[count];
        var k = 0;
        for (var r = top; r < bottom; r++)
        {
            for (var c = left; c < right; c++)
            {
                rows[k] = r;
                cols[k] = c;
                k++;
            }
        }
        return (rows, cols);
    }
}

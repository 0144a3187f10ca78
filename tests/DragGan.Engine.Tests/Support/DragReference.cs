using System.Text.Json;
using DragGan.Engine.Drags;

namespace DragGan.Engine.Tests.Support;

/// <summary>One drag recorded from the reference implementation in the fixture's drag_reference.json.</summary>
public sealed record DragReference(
    string Name,
    IReadOnlyList<(PixelPoint Handle, PixelPoint Target)> Points,
    IReadOnlyList<IReadOnlyList<PixelPoint>> Trajectory,
    float[] FinalWs)
{
    /// <summary>Reads a case of the StyleGAN2 fixture; the file stores points as [row, col], the engine takes (x, y).</summary>
    public static DragReference Load(string name) => Load(TestFixtures.TinyStyleGan2("drag_reference.json"), name);

    /// <summary>Reads a case of the drag_reference.json at <paramref name="path"/>.</summary>
    public static DragReference Load(string path, string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement.GetProperty("cases").GetProperty(name);
        var handles = ReadPoints(root.GetProperty("points"));
        var targets = ReadPoints(root.GetProperty("targets"));
        var trajectory = root.GetProperty("trajectory").EnumerateArray().Select(ReadPoints).ToArray();
        var finalWs = root.GetProperty("final_ws")[0].EnumerateArray()
            .SelectMany(row => row.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        return new DragReference(name, handles.Zip(targets).ToArray(), trajectory, finalWs);
    }

    private static IReadOnlyList<PixelPoint> ReadPoints(JsonElement points) =>
        points.EnumerateArray().Select(p => new PixelPoint(p[1].GetDouble(), p[0].GetDouble())).ToArray();
}

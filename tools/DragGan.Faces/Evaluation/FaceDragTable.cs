using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DragGan.Faces.Evaluation;

/// <summary>
/// The face drag benchmark's table (after DragGAN's Table 1) as Markdown, made from the benchmark's
/// JSON, so that the published table is always the measured one: a row per point count and engine,
/// MD and its ratio to the no-edit MD, convergence, steps and seconds per edit, the MSE away from
/// the drag, and how far the tracked handles end from the landmarks they stand for.
/// </summary>
public static class FaceDragTable
{
    public const string Header =
        "| points | engine | MD (px) | MD / no edit | converged | steps | s / edit | MSE outside | handle to landmark at end (px) |\n" +
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";

    /// <summary>The rows of <c>suite = faces-md</c> in a benchmark document (its <c>results</c> array), in their order.</summary>
    public static string Markdown(JsonElement document)
    {
        var table = new StringBuilder(Header);
        double? noEdit = null;
        foreach (var row in document.GetProperty("results").EnumerateArray())
        {
            if (row.GetProperty("suite").GetString() != "faces-md")
                continue;
            var engine = row.GetProperty("engine").GetString()!;
            var md = row.GetProperty("md_px").GetDouble();
            if (engine == "no edit")
                noEdit = md;
            var ratio = engine == "no edit" || noEdit is not > 0 ? "-" : Format(md / noEdit.Value, "F2");
            table.Append(CultureInfo.InvariantCulture, $"| {row.GetProperty("points").GetInt32()} | {engine} | {Format(md, "F2")} | {ratio} | {Text(row, "converged", "F2")} | ")
                .Append(CultureInfo.InvariantCulture, $"{Text(row, "steps_per_edit", "F1")} | {Text(row, "seconds_per_edit", "F2")} | {Text(row, "mse_outside_drag", "F4")} | {Text(row, "handle_to_landmark_px_end", "F2")} |\n");
        }
        return table.ToString();
    }

    private static string Text(JsonElement row, string name, string format) =>
        !row.TryGetProperty(name, out var value) ? "-"
        : value.ValueKind == JsonValueKind.Number ? Format(value.GetDouble(), format)
        : value.GetString() ?? "-";

    private static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}

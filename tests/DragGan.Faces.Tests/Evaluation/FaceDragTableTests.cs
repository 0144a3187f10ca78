using System.Text.Json;
using DragGan.Engine.Tests.Support;
using DragGan.Faces.Evaluation;

namespace DragGan.Faces.Tests.Evaluation;

public sealed class FaceDragTableTests
{
    [Fact]
    public void Each_engine_row_shows_its_md_as_a_share_of_the_no_edit_md_before_it()
    {
        using var document = JsonDocument.Parse("""
            {"results": [
              {"suite": "faces-md", "engine": "no edit", "points": 5, "md_px": 8.0, "converged": "-", "steps_per_edit": 0, "seconds_per_edit": 0, "mse_outside_drag": 0, "handle_to_landmark_px_end": "-"},
              {"suite": "faces-md", "engine": "draggan", "points": 5, "md_px": 2.0, "converged": 0.75, "steps_per_edit": 42.5, "seconds_per_edit": 1.5, "mse_outside_drag": 0.00213, "handle_to_landmark_px_end": 1.25},
              {"suite": "faces-inversion", "psnr_db": 30}
            ]}
            """);

        var table = FaceDragTable.Markdown(document.RootElement);

        Assert.Equal(FaceDragTable.Header
            + "| 5 | no edit | 8.00 | - | - | 0.0 | 0.00 | 0.0000 | - |\n"
            + "| 5 | draggan | 2.00 | 0.25 | 0.75 | 42.5 | 1.50 | 0.0021 | 1.25 |\n", table);
    }

    [Fact]
    public void The_bench_readme_shows_the_table_of_the_committed_results()
    {
        var results = Path.Combine(TestFixtures.RepositoryRoot, "bench", "results", "faces-cpu.json");
        using var document = JsonDocument.Parse(File.ReadAllText(results));

        var readme = File.ReadAllText(Path.Combine(TestFixtures.RepositoryRoot, "bench", "README.md")).ReplaceLineEndings("\n");

        Assert.Contains(FaceDragTable.Markdown(document.RootElement), readme);
    }
}

using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using DragGan.ModelTool;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.ModelTool;

/// <summary>draggan-model drag, in-process, on the fixture checkpoint.</summary>
public sealed class DragCommandTests(TinyGenerator tiny) : IClassFixture<TinyGenerator>, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static (int Code, string Stdout, string Stderr) Run(params string[] args) => ModelToolRunner.Run(args);

    [Fact]
    public void DragWritesTheFirstAndLastFramesOfTheEdit()
    {
        var output = _directory.File("edited.png");
        var (code, stdout, stderr) = Run("drag", "--model", TestFixtures.TinyStyleGan2Pickle, "--seed", "42",
            "--point", "100,128:130,128", "--steps", "5", "--out", output);

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("step    5", stdout);
        Assert.Contains("reached the step limit after 5 steps", stdout);

        // The start frame is the seed's image; the result is the engine's own 5-step edit.
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        using var start = tiny.Generator.Synthesize(ws);
        var startPixels = ImageCodec.ToRgb(start.Image!).Pixels;
        // The tool maps the seed itself; its ws match the reference's to 1e-4, so pixels to one level.
        Assert.True(MaxDifference(startPixels, ImageCodec.Decode(File.ReadAllBytes(_directory.File("edited.start.png"))).Pixels) <= 1);

        using var edit = DragEdit.Start(tiny.Generator, ws, [(new PixelPoint(100, 128), new PixelPoint(130, 128))]);
        var stepper = new DragStepper(tiny.Generator);
        for (var i = 0; i < 5; i++)
            stepper.Step([edit]).Single().Dispose();
        using var edited = tiny.Generator.Synthesize(edit.CurrentLatent());
        var expected = ImageCodec.ToRgb(edited.Image!).Pixels;
        var actual = ImageCodec.Decode(File.ReadAllBytes(output)).Pixels;
        Assert.True(MaxDifference(expected, actual) <= 1, "the written image is the edit's result");
        Assert.True(MaxDifference(startPixels, actual) > 10, "the edit changed the image");
    }

    [Fact]
    public void WithoutAModel_DragsTheBuiltInFaceModelAtItsOwnLearningRate()
    {
        var output = _directory.File("face.png");
        var (code, stdout, stderr) = Run("drag", "--seed", "7", "--point", "61,98:61,110", "--steps", "2", "--out", output);

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains($"on {FacesModel.Name} (128px), seed 7, psi 0.7, lr 0.01.", stdout);
        Assert.Equal((128, 128), Size(output));
        Assert.Equal((128, 128), Size(_directory.File("face.start.png")));

        (code, stdout, stderr) = Run("drag", "--seed", "7", "--point", "61,98:61,110", "--steps", "1", "--lr", "0.002", "--out", output, "--force");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("lr 0.002.", stdout);
    }

    private static (int Width, int Height) Size(string path)
    {
        var image = ImageCodec.Decode(File.ReadAllBytes(path));
        return (image.Width, image.Height);
    }

    private static int MaxDifference(byte[] a, byte[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    [Theory]
    [InlineData("100,128-130,128", ExitCodes.Usage)]
    [InlineData("100,128:130", ExitCodes.Usage)]
    [InlineData("300,128:130,128", ExitCodes.BadInput)]
    public void BadPointsHaveTheirExitCodes(string point, int expected)
    {
        var (code, _, stderr) = Run("drag", "--model", TestFixtures.TinyStyleGan2Pickle, "--point", point, "--steps", "1", "--out", _directory.File("x.png"));
        Assert.Equal(expected, code);
        Assert.Contains("point", stderr);
    }

    [Fact]
    public void APointOutsideTheImage_IsNamedOnce_AsTheEngineNamesIt()
    {
        var (code, _, stderr) = Run("drag", "--model", TestFixtures.TinyStyleGan2Pickle, "--point", "300,128:130,128", "--steps", "1", "--out", _directory.File("x.png"));

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("points[0].Handle (300, 128) is outside the 256x256 image", stderr);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(stderr, @"points\[0\]\.Handle"));
    }
}

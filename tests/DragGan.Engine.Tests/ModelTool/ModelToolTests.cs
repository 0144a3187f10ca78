using DragGan.Engine.Checkpoints;
using DragGan.Engine.Imaging;
using DragGan.Engine.Models;
using DragGan.Engine.Tests.Support;
using DragGan.ModelTool;

namespace DragGan.Engine.Tests.ModelTool;

/// <summary>draggan-model run in-process, on the fixture pickle and the demo model.</summary>
public sealed class ModelToolTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ConvertWritesANativeCheckpointWithTheSameTensors()
    {
        var output = _directory.File("tiny.safetensors");

        var (code, stdout, stderr) = Run("convert", TestFixtures.TinyStyleGan2Pickle, output);

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("Wrote", stdout);
        using var pickle = StyleGanPickleReader.Read(TestFixtures.TinyStyleGan2Pickle);
        using var native = NativeCheckpointFormat.Read(output);
        SmallCheckpoints.AssertSameTensors(pickle, native);
        var metadata = NativeCheckpointFormat.ReadInfo(output).Metadata;
        Assert.Equal("stylegan2-tiny-256.pkl", metadata[ConvertCommand.SourceFileKey]);
        Assert.Equal(64, metadata[ConvertCommand.SourceSha256Key].Length);

        // inspect reads the header alone.
        (code, stdout, _) = Run("inspect", output);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("num_ws        14", stdout);
        Assert.Contains("tensors       144", stdout);
        Assert.Contains("256x256", stdout);
    }

    [Fact]
    public void ConvertToFloat16AndRefusingToOverwrite()
    {
        var source = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        var output = _directory.File("small-fp16.safetensors");

        Assert.Equal(ExitCodes.Success, Run("convert", source, output, "--fp16").Code);
        Assert.All(NativeCheckpointFormat.ReadInfo(output).Tensors, t => Assert.Equal("F16", t.DType));

        var (code, _, stderr) = Run("convert", source, output);
        Assert.Equal(ExitCodes.OutputFailed, code);
        Assert.Contains("--force", stderr);
        Assert.Equal(ExitCodes.Success, Run("convert", source, output, "--force").Code);
        Assert.All(NativeCheckpointFormat.ReadInfo(output).Tensors, t => Assert.Equal("F32", t.DType));
    }

    [Fact]
    public void BadInputsHaveTheirOwnExitCodes()
    {
        var (code, _, stderr) = Run("convert", _directory.File("missing.pkl"), _directory.File("out.safetensors"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("does not exist", stderr);

        var junk = _directory.File("junk.pkl");
        File.WriteAllText(junk, "not a pickle");
        (code, _, stderr) = Run("convert", junk, _directory.File("out.safetensors"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith("error: ", stderr);
        Assert.False(File.Exists(_directory.File("out.safetensors")));

        Assert.Equal(ExitCodes.Usage, Run("convert", junk).Code);
        Assert.Equal(ExitCodes.Usage, Run("frobnicate").Code);
        Assert.Equal(ExitCodes.Usage, Run("generate", "--seed", "-3", "--out", _directory.File("a.png")).Code);
        Assert.Equal(ExitCodes.Usage, Run("generate", "--out", _directory.File("a.gif")).Code);
        Assert.Equal(ExitCodes.BadInput, Run("generate", "--model", _directory.File("none.pkl"), "--out", _directory.File("a.png")).Code);
        Assert.Equal(ExitCodes.BadInput, Run("inspect", junk).Code);
    }

    [Fact]
    public void GenerateWritesTheDemoModelsImage()
    {
        var output = _directory.File("seed1.png");

        var (code, stdout, stderr) = Run("generate", "--model", "demo", "--seed", "1", "--psi", "0.7", "--out", output);

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("demo-untrained-256", stdout);
        var image = ImageCodec.Decode(File.ReadAllBytes(output));
        Assert.Equal((256, 256), (image.Width, image.Height));
    }

    [Theory]
    [InlineData("--model", "faces")]
    [InlineData("--model", "FACES-128")]
    [InlineData]
    public void GenerateDrawsTheBuiltInFacesModelByNameAndByDefault(params string[] model)
    {
        var output = _directory.File("face.png");

        var (code, stdout, stderr) = Run(["generate", .. model, "--seed", "1", "--out", output]);

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains(FacesModel.Name, stdout);
        var image = ImageCodec.Decode(File.ReadAllBytes(output));
        Assert.Equal((128, 128), (image.Width, image.Height));
    }

    [Fact]
    public void GenerateFromACheckpointFileWithResize()
    {
        var model = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        var output = _directory.File("out.jpg");

        var (code, _, stderr) = Run("generate", "--model", model, "--seed", "3", "--out", output, "--size", "64", "--quality", "80");

        Assert.True(code == ExitCodes.Success, stderr);
        var bytes = File.ReadAllBytes(output);
        Assert.Equal(ImageFormat.Jpeg, ImageCodec.DetectFormat(bytes));
        Assert.Equal(64, ImageCodec.Decode(bytes).Width);
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args) => ModelToolRunner.Run(args);
}

using DragGan.Engine.Checkpoints;
using DragGan.Engine.Tests.Support;

namespace DragGan.Engine.Tests.Checkpoints;

public sealed class CheckpointLoaderTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void DetectsFormatsByContentBeforeExtension()
    {
        Assert.Equal(CheckpointFormat.Pickle, CheckpointLoader.Detect(TestFixtures.TinyStyleGan2Pickle));

        var native = SmallCheckpoints.WriteNative(_directory.File("model.bin"));
        Assert.Equal(CheckpointFormat.Native, CheckpointLoader.Detect(native));

        var misnamed = _directory.File("model.pkl");
        File.Copy(native, misnamed);
        Assert.Equal(CheckpointFormat.Native, CheckpointLoader.Detect(misnamed));
    }

    [Fact]
    public void LoadsNativeWhateverTheExtension()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("model.weights"), seed: 4);

        using var expected = SmallCheckpoints.Create(seed: 4);
        using var loaded = CheckpointLoader.Load(path);
        SmallCheckpoints.AssertSameTensors(expected, loaded);
        Assert.Equal(SmallCheckpoints.Config, CheckpointLoader.ReadConfig(path));
    }

    [Fact]
    public void FallsBackToTheExtensionWhenContentIsInconclusive()
    {
        var path = _directory.File("broken.safetensors");
        File.WriteAllText(path, "this is not a checkpoint");

        Assert.Equal(CheckpointFormat.Native, CheckpointLoader.Detect(path));
        Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(path));
    }

    [Fact]
    public void RejectsUnknownFilesZipArchivesAndMissingFiles()
    {
        var text = _directory.File("notes.txt");
        File.WriteAllText(text, "hello");
        Assert.Contains("neither a network pickle", Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(text)).Message);

        var zip = _directory.File("state_dict.pt");
        File.WriteAllBytes(zip, [(byte)'P', (byte)'K', 3, 4, 0, 0, 0, 0]);
        Assert.Contains("zip archive", Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(zip)).Message);

        Assert.Throws<FileNotFoundException>(() => CheckpointLoader.Load(_directory.File("missing.pkl")));
    }

    [Fact]
    public void AnExplicitFormatSkipsDetection()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("model.pkl"));

        using var loaded = CheckpointLoader.Load(path, CheckpointFormat.Native);
        Assert.Equal(SmallCheckpoints.Config, loaded.Config);
        Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(path, CheckpointFormat.Pickle));
    }
}

using DragGan.Engine.Checkpoints;
using DragGan.Engine.Tests.Support;

namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>Files that are not usable StyleGAN2 generators fail with a message naming the file and the problem.</summary>
public sealed class BadCheckpointTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("draggan-bad-pickle-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static NetworkPickleBuilder Tiny(IReadOnlyList<NamedArray>? tensors = null) => new()
    {
        Config = NetworkPickleBuilder.TinyConfig,
        Tensors = tensors ?? NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig),
    };

    private CheckpointFormatException Fails(byte[] content, string file = "bad.pkl")
    {
        var path = Path.Combine(directory, file);
        File.WriteAllBytes(path, content);
        var error = Assert.Throws<CheckpointFormatException>(() => StyleGanPickleReader.Read(path));
        Assert.Contains(path, error.Message);
        return error;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(100)]
    [InlineData(41_700)]      // inside the first module's state
    [InlineData(5_000_000)]   // inside a storage's bytes
    [InlineData(-1)]          // everything but the final STOP
    public void TruncatedFileIsReportedAsTruncated(int length)
    {
        var content = File.ReadAllBytes(TestFixtures.TinyStyleGan2Pickle);
        var error = Fails(content[..(length < 0 ? content.Length + length : length)]);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void EmptyAndRandomFilesAreNotPickles()
    {
        Assert.Contains("not a Python pickle", Fails([], "empty.pkl").Message);

        var random = new byte[4096];
        new System.Random(7).NextBytes(random);
        random[0] = 0x42;
        Assert.Contains("not a Python pickle", Fails(random, "random.pkl").Message);

        // Random bytes behind a valid header run the pickle machine on garbage.
        random[0] = 0x80;
        random[1] = 4;
        var error = Fails(random, "garbage.pkl");
        Assert.Matches("not a readable network pickle|truncated", error.Message);
    }

    [Fact]
    public void TorchSaveZipIsNotANetworkPickle()
    {
        var zip = TorchStorageWriter.Zip("FloatStorage", 1, new byte[4]);
        Assert.Contains("zip archive", Fails(zip).Message);
    }

    [Fact]
    public void DictWithoutGEmaNamesTheKeysItHas()
    {
        var builder = Tiny() with { Key = "G" };
        var error = Fails(builder.Build());
        Assert.Contains("no 'G_ema' entry", error.Message);
        Assert.Contains("keys: G, augment_pipe, training_set_kwargs", error.Message);
    }

    [Fact]
    public void OtherTopLevelObjectsAreRejected()
    {
        Assert.Contains("it holds a list, not a network dict or a generator", Fails(PickleEmitter.Dump(new List<object?> { 1, 2 })).Message);
        Assert.Contains("G_ema is None", Fails(PickleEmitter.Dump(new Dictionary<string, object?> { ["G_ema"] = null })).Message);
    }

    [Fact]
    public void WrongClassIsRejected()
    {
        var error = Fails((Tiny() with { ClassName = "Discriminator" }).Build());
        Assert.Contains("G_ema is a Discriminator, expected a Generator", error.Message);
    }

    [Fact]
    public void MissingTensorIsNamedWithItsExpectedShape()
    {
        var tensors = NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig)
            .Where(t => t.Name != "synthesis.b8.conv0.affine.weight").ToList();
        var error = Fails(Tiny(tensors).Build());
        Assert.Contains("tensor synthesis.b8.conv0.affine.weight is missing (expected shape [16, 16])", error.Message);
    }

    [Fact]
    public void WrongShapeIsNamedWithBothShapes()
    {
        var tensors = NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig)
            .Select(t => t.Name == "synthesis.b8.conv1.weight" ? t with { Shape = [8, 4, 3, 6] } : t).ToList();
        var error = Fails(Tiny(tensors).Build());
        Assert.Contains("tensor synthesis.b8.conv1.weight has shape [8, 4, 3, 6], expected [8, 8, 3, 3]", error.Message);
    }

    [Fact]
    public void ExtraTensorIsRejected()
    {
        var tensors = NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig)
            .Append(new NamedArray("synthesis.b8.skip.weight", [8, 16, 1, 1], new float[128], IsBuffer: false)).ToList();
        var error = Fails(Tiny(tensors).Build());
        Assert.Contains("unexpected tensor synthesis.b8.skip.weight (shape [8, 16, 1, 1])", error.Message);
    }

    [Fact]
    public void ConfigurationThatDisagreesWithTheTensorsIsReported()
    {
        // Kwargs claim channel_max 8 while the tensors were made for 16.
        var builder = Tiny() with { EditKwargs = k => { ((Dictionary<string, object?>)k["synthesis_kwargs"]!)["channel_max"] = 8; return k; } };
        var error = Fails(builder.Build());
        Assert.Contains("synthesis.b4.const has shape [16, 4, 4], expected [8, 4, 4]", error.Message);
    }

    [Theory]
    [InlineData("module name")]
    [InlineData("module source")]
    [InlineData("tensor names")]
    public void StyleGan3SignsRouteToTheStyleGan3Reader(string sign)
    {
        var builder = sign switch
        {
            "module name" => Tiny() with { ModuleName = "training.networks_stylegan3" },
            "module source" => Tiny() with { ModuleSource = NetworkPickleBuilder.StyleGan3Source },
            _ => Tiny(NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig)
                .Append(new NamedArray("synthesis.input.affine.weight", [4, 16], new float[64], IsBuffer: false)).ToList()),
        };
        var error = Fails(builder.Build());
        // A StyleGAN3 class is read as StyleGAN3 (whose kwargs these StyleGAN2 ones are not); StyleGAN3
        // tensors under a StyleGAN2 class make the file inconsistent.
        Assert.Contains(sign == "tensor names" ? "StyleGAN3 tensors" : "StyleGAN3 generator has init kwargs this engine does not know: synthesis_kwargs", error.Message);
    }

    [Fact]
    public void UnsupportedGeneratorsAreNamed()
    {
        var conditional = Tiny() with { EditKwargs = k => { k["c_dim"] = 10; return k; } };
        Assert.Contains("c_dim must be 0", Fails(conditional.Build()).Message);

        var resnet = Tiny() with { EditKwargs = k => { ((Dictionary<string, object?>)k["synthesis_kwargs"]!)["architecture"] = "resnet"; return k; } };
        Assert.Contains("'resnet' synthesis architecture", Fails(resnet.Build()).Message);

        var noKwargs = Tiny() with { EditKwargs = _ => null };
        Assert.Contains("no _init_kwargs", Fails(noKwargs.Build()).Message);

        var noResolution = Tiny() with { EditKwargs = k => { k.Remove("img_resolution"); return k; } };
        Assert.Contains("lack img_resolution", Fails(noResolution.Build()).Message);
    }

    [Fact]
    public void TensorViewBeyondItsStorageIsRejected()
    {
        // A header claiming more elements than its storage holds must not read past it.
        var storage = new PyCall("torch.storage", "_load_from_bytes", TorchStorageWriter.Legacy("FloatStorage", 4, new byte[16]));
        var tensor = new PyCall("torch._utils", "_rebuild_tensor_v2", storage, 2, new object?[] { 3L }, new object?[] { 1L }, false, null);
        var error = Fails(PickleEmitter.Dump(new Dictionary<string, object?> { ["G_ema"] = tensor }));
        Assert.Contains("reaches element 4 of a storage of 4", error.Message);
    }

    [Fact]
    public void StorageDataShorterThanDeclaredIsRejected()
    {
        var legacy = TorchStorageWriter.Legacy("FloatStorage", 8, new byte[16]); // declares 8 floats, holds 4
        var storage = new PyCall("torch.storage", "_load_from_bytes", legacy);
        var error = Fails(PickleEmitter.Dump(new Dictionary<string, object?> { ["G_ema"] = storage }));
        Assert.Contains("needs 8 elements of 4 bytes but only 16 bytes remain", error.Message);
    }

    [Fact]
    public void MissingFileIsAFormatErrorNamingThePath()
    {
        var path = Path.Combine(directory, "absent.pkl");
        var error = Assert.Throws<CheckpointFormatException>(() => StyleGanPickleReader.Read(path));
        Assert.Contains(path, error.Message);
    }
}

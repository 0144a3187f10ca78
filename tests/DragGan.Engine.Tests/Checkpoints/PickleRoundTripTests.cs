using DragGan.Engine.Checkpoints;
using DragGan.Engine.Tests.Support;

namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>Pickles written by the test-side writer read back to exactly the tensors they were written from.</summary>
public sealed class PickleRoundTripTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("draggan-pickle-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void FixtureTensorsRoundTripThroughTheWriter()
    {
        using var fixture = StyleGanPickleReader.Read(TestFixtures.TinyStyleGan2Pickle);
        var builder = new NetworkPickleBuilder { Config = fixture.Config, Tensors = NetworkPickleBuilder.ArraysOf(fixture) };

        using var copy = StyleGanPickleReader.Read(builder.WriteTo(directory, "copy.pkl"));

        Assert.Equal(fixture.Config, copy.Config);
        Assert.Equal(fixture.Tensors.Keys.Order(), copy.Tensors.Keys.Order());
        foreach (var (name, tensor) in fixture.Tensors)
        {
            Assert.Equal(tensor.shape, copy.Tensors[name].shape);
            Assert.Equal(Values(tensor), Values(copy.Tensors[name]));
        }
    }

    [Fact]
    public void AcceptsAPickleOfTheGeneratorAlone()
    {
        var arrays = NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig);
        var builder = new NetworkPickleBuilder { Config = NetworkPickleBuilder.TinyConfig, Tensors = arrays, Key = null };

        using var checkpoint = StyleGanPickleReader.Read(builder.WriteTo(directory, "g_ema_only.pkl"));

        AssertHolds(builder, arrays, checkpoint);
    }

    public static TheoryData<string> Variants => new()
    {
        "zip storages", "strided views", "half storages", "bfloat16 storages", "double storages",
        "easydict kwargs", "flat synthesis kwargs", "plain submodules", "stream",
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void ReadsEachStorageAndModuleVariant(string variant)
    {
        var arrays = NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig);
        var builder = new NetworkPickleBuilder { Config = NetworkPickleBuilder.TinyConfig, Tensors = arrays };
        builder = variant switch
        {
            "zip storages" => builder with { Storage = StorageForm.Zip },
            "strided views" => builder with { StridedViews = true },
            "half storages" => builder with { StorageType = "HalfStorage", StridedViews = true },
            "bfloat16 storages" => builder with { StorageType = "BFloat16Storage" },
            "double storages" => builder with { StorageType = "DoubleStorage", Storage = StorageForm.Zip },
            "easydict kwargs" => builder with { EasyDictKwargs = true },
            "flat synthesis kwargs" => builder with { FlatSynthesisKwargs = true },
            "plain submodules" => builder with { PlainSubmodules = true },
            _ => builder,
        };

        using var checkpoint = variant == "stream"
            ? StyleGanPickleReader.Read(new MemoryStream(builder.Build()), "in-memory")
            : StyleGanPickleReader.Read(builder.WriteTo(directory, "variant.pkl"));

        AssertHolds(builder, arrays, checkpoint);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OptionsLeftOutOfTheKwargsComeFromTheBuiltModules(bool recordsNumFp16Res)
    {
        // The defaults of num_fp16_res / conv_clamp differ between the ADA and StyleGAN3 repositories;
        // what the modules were built with is what counts (TinyConfig: 1 fp16 block, clamp 256, 2 mapping layers).
        var arrays = NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig);
        var builder = new NetworkPickleBuilder
        {
            Config = NetworkPickleBuilder.TinyConfig,
            Tensors = arrays,
            RecordsNumFp16Res = recordsNumFp16Res,
            EditKwargs = k =>
            {
                ((Dictionary<string, object?>)k["mapping_kwargs"]!).Remove("num_layers");
                var synthesis = (Dictionary<string, object?>)k["synthesis_kwargs"]!;
                synthesis.Remove("num_fp16_res");
                synthesis.Remove("conv_clamp");
                return k;
            },
        };

        using var checkpoint = StyleGanPickleReader.Read(new MemoryStream(builder.Build()));

        AssertHolds(builder, arrays, checkpoint);
    }

    [Fact]
    public void ExplicitNoneConvClampDisablesClamping()
    {
        var arrays = NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig);
        var builder = new NetworkPickleBuilder
        {
            Config = NetworkPickleBuilder.TinyConfig,
            Tensors = arrays,
            EditKwargs = k => { ((Dictionary<string, object?>)k["synthesis_kwargs"]!)["conv_clamp"] = null; return k; },
        };

        using var checkpoint = StyleGanPickleReader.Read(new MemoryStream(builder.Build()));

        Assert.Null(checkpoint.Config.ConvClamp);
    }

    [Fact]
    public void ConcurrentReadsDoNotInterfere()
    {
        var pickles = Enumerable.Range(1, 6).Select(seed =>
        {
            var arrays = NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig, seed);
            var builder = new NetworkPickleBuilder { Config = NetworkPickleBuilder.TinyConfig, Tensors = arrays, StridedViews = seed % 2 == 0 };
            return (builder, arrays, bytes: builder.Build());
        }).ToList();

        Parallel.ForEach(pickles, new ParallelOptions { MaxDegreeOfParallelism = 6 }, pickle =>
        {
            for (var i = 0; i < 5; i++)
            {
                using var checkpoint = StyleGanPickleReader.Read(new MemoryStream(pickle.bytes));
                AssertHolds(pickle.builder, pickle.arrays, checkpoint);
            }
        });
    }

    private static void AssertHolds(NetworkPickleBuilder builder, IReadOnlyList<NamedArray> arrays, GeneratorCheckpoint checkpoint)
    {
        Assert.Equal(builder.Config, checkpoint.Config);
        Assert.Equal(arrays.Count, checkpoint.Tensors.Count);
        foreach (var array in arrays)
        {
            var tensor = checkpoint.Tensors[array.Name];
            Assert.Equal(array.Shape, tensor.shape);
            Assert.Equal(array.Values.Select(builder.Stored).ToArray(), Values(tensor));
        }
    }

    private static float[] Values(TorchSharp.torch.Tensor tensor) => tensor.contiguous().data<float>().ToArray();
}

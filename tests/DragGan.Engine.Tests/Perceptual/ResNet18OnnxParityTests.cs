using DragGan.Engine.Perceptual;
using DragGan.Engine.Perceptual.Onnx;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tensor = TorchSharp.torch.Tensor;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Perceptual;

/// <summary>
/// The TorchSharp ResNet18 and preprocessing against ONNX Runtime running the package's own files on
/// the same inputs. Tolerance: every element within 1e-4 of the largest magnitude of ONNX Runtime's
/// tensor (float32 convolutions summed in different orders differ by about 1e-6 of it).
/// </summary>
public sealed class ResNet18OnnxParityTests(ResNetFixture fixture) : IClassFixture<ResNetFixture>
{
    private const double RelativeTolerance = 1e-4;

    [Fact]
    public void StagesAndPooledOutputMatchOnnxRuntime()
    {
        using var scope = NewDisposeScope();
        var network = fixture.Distance.Network;
        var input = fixture.Distance.NetworkInput(fixture.Faces.Image(seed: 3));
        var ours = network.Stages(input).Append(network.Pooled(input)).ToArray();
        var names = network.StageOutputNames.Append(network.PooledOutputName).ToArray();

        // Ask ONNX Runtime for the intermediate tensors too, by making them graph outputs.
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(ResNetFeatureFiles.Default.Network));
        foreach (var name in network.StageOutputNames)
            model.Graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        var reference = RunOnnx(model, model.Graph.Input[0].Name, input, names);

        Assert.Equal([64L, 112, 112], ours[0].shape[1..]);
        Assert.Equal([512L, 1, 1], ours[^1].shape[1..]);
        for (var i = 0; i < names.Length; i++)
            AssertClose(names[i], reference[i], ours[i]);
    }

    [Fact]
    public void PreprocessingMatchesOnnxRuntime()
    {
        using var scope = NewDisposeScope();
        var rgb255 = rand([1, 3, 224, 224], generator: new TorchSharp.torch.Generator(7)).mul(255);
        using var preprocessing = ResNetPreprocessing.Read(ResNetFeatureFiles.Default.Preprocessing);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(ResNetFeatureFiles.Default.Preprocessing));
        var reference = RunOnnx(model, model.Graph.Input[0].Name, rgb255, [model.Graph.Output[0].Name]);

        Assert.Equal([2L, 1, 0], preprocessing.ChannelOrder);
        AssertClose("preprocessed", reference[0], preprocessing.Apply(rgb255));
    }

    [Fact]
    public void AnUnsupportedAttributeIsRefusedByName()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(ResNetFeatureFiles.Default.Network));
        var conv = model.Graph.Node.First(n => n.OpType == "Conv");
        conv.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = 2 });
        conv.Attribute.Remove(conv.Attribute.First(a => a.Name == "group"));

        var error = Assert.Throws<OnnxFormatException>(() => ResNet18GraphReader.Read(model).Dispose());
        Assert.Contains("group 2", error.Message);
    }

    [Fact]
    public void AGraphWithAMissingBlockIsRefused()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(ResNetFeatureFiles.Default.Network));
        var add = model.Graph.Node.First(n => n.OpType == "Add");
        add.Input[1] = "Nowhere";

        var error = Assert.Throws<OnnxFormatException>(() => ResNet18GraphReader.Read(model).Dispose());
        Assert.Contains("shortcut", error.Message);
    }

    private static Tensor[] RunOnnx(ModelProto model, string inputName, Tensor input, IReadOnlyList<string> outputs)
    {
        using var session = new InferenceSession(model.ToByteArray());
        var values = input.contiguous().cpu().data<float>().ToArray();
        var dense = new DenseTensor(values, input.shape.Select(d => (int)d).ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, dense)], outputs);
        return results.Select(r =>
        {
            var t = r.AsTensor<float>();
            return tensor(t.ToArray(), t.Dimensions.ToArray().Select(d => (long)d).ToArray());
        }).ToArray();
    }

    private static void AssertClose(string name, Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = expected.abs().max().item<float>();
        var error = actual.detach().cpu().sub(expected).abs().max().item<float>();
        Assert.True(error <= RelativeTolerance * scale, $"{name}: max |difference| {error:G3} against a largest magnitude of {scale:G3}.");
    }
}

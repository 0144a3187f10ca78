using System.Text.RegularExpressions;
using DragGan.Engine.Drags;
using DragGan.Engine.Tests.Support;

namespace DragGan.Engine.Tests.Architecture;

/// <summary>
/// The engine knows nothing of the wire: no gRPC assembly, no contract, no host, and its errors
/// name inputs as its own API does. The services translate both ways. Protobuf is there only to
/// read a file format (ONNX, for the perceptual distance's network), never a service's messages.
/// </summary>
public sealed partial class EngineBoundaryTests
{
    private static readonly string[] WireAssemblies = ["Grpc.", "DragGan.Contracts", "DragGan.Hosting", "Microsoft.AspNetCore"];

    private const string OnnxNamespace = "DragGan.Engine.Perceptual.Onnx";

    [Fact]
    public void TheEngineReferencesNoGrpcProtobufContractOrHostAssembly()
    {
        var references = typeof(DragEdit).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToArray();

        Assert.Contains(references, name => name.StartsWith("TorchSharp", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => WireAssemblies.Any(wire => name.StartsWith(wire, StringComparison.Ordinal)));
    }

    [Fact]
    public void NoEngineTypeExposesAnRpcException()
    {
        var types = typeof(DragEdit).Assembly.GetTypes();

        Assert.DoesNotContain(types, type => type.FullName?.Contains("RpcException", StringComparison.Ordinal) == true
            || type.BaseType?.FullName == "Grpc.Core.RpcException");
    }

    /// <summary>
    /// In the engine's errors: a contract's field path is lower snake_case after a dot
    /// ("parameters.learning_rate"); the engine names inputs by its parameters and members
    /// ("parameters.LearningRate"). Checkpoints/ is left out (its errors name the file format's
    /// tensors, "mapping.w_avg"), and so is Inversion/, whose checks still name the Invert request's fields.
    /// </summary>
    [Fact]
    public void TheEngineSourceNamesNoContractField()
    {
        var engine = Path.Combine(TestFixtures.RepositoryRoot, "services", "DragGan.Engine");
        var offenders = Directory.EnumerateFiles(engine, "*.cs", SearchOption.AllDirectories)
            .Where(file => !new[] { "Inversion", "Checkpoints", "obj", "bin" }.Any(folder =>
                file.Contains($"{Path.DirectorySeparatorChar}{folder}{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (file, line: i + 1, text: line)))
            .Where(l => l.text.Contains("Exception(", StringComparison.Ordinal) && ContractFieldPath().IsMatch(l.text))
            .Select(l => $"{Path.GetRelativePath(engine, l.file)}:{l.line}: {l.text.Trim()}")
            .ToArray();

        Assert.True(offenders.Length == 0, "Contract field paths in the engine:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void TheScanFindsAContractFieldPathWhereThereIsOne()
    {
        Assert.Matches(ContractFieldPath(), """throw new ArgumentException("x", "parameters.learning_rate");""");
        Assert.Matches(ContractFieldPath(), """throw new DragInputException($"state.handles[{i}].reference_feature", "x");""");
        Assert.DoesNotMatch(ContractFieldPath(), """$"{input}.{nameof(p.LearningRate)}" """);
        Assert.DoesNotMatch(ContractFieldPath(), """// the reference's noise_mode='const' and w_avg""");
    }

    /// <summary>Inside a string literal: a lower-case name (maybe indexed), a dot, a snake_case name.</summary>
    [GeneratedRegex(@"""[^""]*\b[a-z]+(\[[^\]]*\])?\.[a-z]+_[a-z_]+\b[^""]*""")]
    private static partial Regex ContractFieldPath();
}

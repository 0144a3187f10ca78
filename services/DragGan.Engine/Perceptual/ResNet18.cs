using static TorchSharp.torch;

namespace DragGan.Engine.Perceptual;

/// <summary>
/// The ImageNet ResNet18 (He et al. 2016) of the <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>
/// package without its classifier, in TorchSharp: stem (7x7 stride-2 convolution, batch
/// normalisation, ReLU, 3x3 stride-2 max pooling), four stages of basic blocks, and a 7x7
/// average pool. The package's export has 2, 2, 2 and 3 blocks per stage (9 blocks, 22
/// convolutions), one block more in the last stage than He et al.'s ResNet18; a stage starts at
/// each block with a projection shortcut. Built by <see cref="ResNet18GraphReader"/> from the package's ONNX graph, whose
/// export quirks (asymmetric pads) it keeps, so it computes what ONNX Runtime computes on that
/// file. Input: [N, 3, 224, 224] as <see cref="ResNetPreprocessing"/> prepares it. Weights are
/// frozen; gradients flow to the input. Safe for concurrent forwards.
/// </summary>
public sealed class ResNet18 : IDisposable
{
    /// <summary>The input side the network was trained at and its average pool expects.</summary>
    public const int InputSize = 224;

    private readonly ConvLayer _stemConv;
    private readonly BatchNormLayer _stemNorm;
    private readonly PoolLayer _stemPool;
    private readonly ResNetBlock[] _blocks;
    private readonly PoolLayer _averagePool;
    private readonly int[] _stageEnds;

    internal ResNet18(ConvLayer stemConv, BatchNormLayer stemNorm, PoolLayer stemPool, ResNetBlock[] blocks, PoolLayer averagePool, IReadOnlyList<string> stageOutputNames, string pooledOutputName)
    {
        var stageEnds = Enumerable.Range(0, blocks.Length).Where(i => i == blocks.Length - 1 || blocks[i + 1].Projects).ToArray();
        if (stageEnds.Length != StageCount - 1 || stageOutputNames.Count != StageCount)
            throw new OnnxFormatException($"A ResNet has 4 stages of basic blocks, the graph has {stageEnds.Length}.");
        _stageEnds = stageEnds;
        _stemConv = stemConv;
        _stemNorm = stemNorm;
        _stemPool = stemPool;
        _blocks = blocks;
        _averagePool = averagePool;
        StageOutputNames = stageOutputNames;
        PooledOutputName = pooledOutputName;
    }

    /// <summary>Number of feature stages <see cref="Stages"/> returns: the stem's ReLU, then the four stages' outputs.</summary>
    public const int StageCount = 5;

    /// <summary>The ONNX tensor names of the <see cref="Stages"/>, in order: what ONNX Runtime can be asked for to compare.</summary>
    public IReadOnlyList<string> StageOutputNames { get; }

    /// <summary>The ONNX name of the pooled output ([N, 512, 1, 1] at 224 px).</summary>
    public string PooledOutputName { get; }

    /// <summary>
    /// The activations after the stem's ReLU (64 channels, 1/2 of the input side) and after each
    /// stage (64, 128, 256, 512 channels at 1/4, 1/8, 1/16, 1/32), each [N, C, h, w]. Call inside
    /// a dispose scope.
    /// </summary>
    public Tensor[] Stages(Tensor input) => Run(input, pooled: false).Stages;

    /// <summary>The average-pooled output, [N, 512, 1, 1] for 224 px inputs: the package's featurizer output.</summary>
    public Tensor Pooled(Tensor input) => Run(input, pooled: true).Pooled!;

    private (Tensor[] Stages, Tensor? Pooled) Run(Tensor input, bool pooled)
    {
        if (input.dim() != 4 || input.shape[1] != 3)
            throw new ArgumentException($"input must be [N, 3, H, W], got [{string.Join(", ", input.shape)}].", nameof(input));
        var stages = new Tensor[StageCount];
        var x = _stemNorm.Forward(_stemConv.Forward(input)).relu();
        stages[0] = x;
        x = _stemPool.Forward(x);
        for (var i = 0; i < _blocks.Length; i++)
        {
            x = _blocks[i].Forward(x);
            var stage = Array.IndexOf(_stageEnds, i);
            if (stage >= 0)
                stages[1 + stage] = x;
        }
        return (stages, pooled ? _averagePool.Forward(x) : null);
    }

    public void Dispose()
    {
        _stemConv.Dispose();
        _stemNorm.Dispose();
        foreach (var block in _blocks)
            block.Dispose();
    }
}

using DragGan.Engine.Perceptual.Onnx;
using static TorchSharp.torch;

namespace DragGan.Engine.Perceptual;

/// <summary>
/// Builds a <see cref="ResNet18"/> from an ONNX graph whose initializers have opaque names
/// (<c>Parameter91</c>, ...): layers are recognised by walking the nodes in order and following
/// each node's inputs, never by name. The walk checks the whole topology (stem, basic blocks with
/// identity or projection shortcuts in four stages, average pool), so a different network is
/// refused rather than misread.
/// </summary>
public static class ResNet18GraphReader
{
    public static ResNet18 Read(string path, Device? device = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"ResNet18 ONNX model not found at {path}; it arrives with the Microsoft.ML.DnnImageFeaturizer.ResNet18 package.", path);
        return Read(ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)), device);
    }

    internal static ResNet18 Read(ModelProto model, Device? device = null)
    {
        var graph = model.Graph ?? throw new OnnxFormatException("The model has no graph.");
        var walk = new GraphWalk(graph, device ?? CPU);
        return walk.ReadNetwork();
    }

    private sealed class GraphWalk(GraphProto graph, Device device)
    {
        private readonly Dictionary<string, TensorProto> _initializers = graph.Initializer.ToDictionary(t => t.Name);
        private int _next;

        public ResNet18 ReadNetwork()
        {
            var inputs = graph.Input.Where(i => !_initializers.ContainsKey(i.Name)).ToArray();
            if (inputs.Length != 1)
                throw new OnnxFormatException($"Expected one image input, the graph has {inputs.Length}.");
            var stemConvNode = Take("Conv", inputs[0].Name);
            var stemConv = Conv(stemConvNode);
            var stemNormNode = Take("BatchNormalization", stemConvNode.Output[0]);
            var stemNorm = Norm(stemNormNode);
            var stemRelu = Take("Relu", stemNormNode.Output[0]);
            var poolNode = Take("MaxPool", stemRelu.Output[0]);
            var stageNames = new List<string> { stemRelu.Output[0] };

            var blocks = new List<ResNetBlock>();
            var x = poolNode.Output[0];
            while (_next < graph.Node.Count && graph.Node[_next].OpType != "AveragePool")
            {
                var blockInput = x;
                (var block, x) = ReadBlock(x);
                // A stage ends before each block that projects its input (the first block's input is the pool's).
                if (block.Projects && blocks.Count > 0)
                    stageNames.Add(blockInput);
                blocks.Add(block);
            }
            stageNames.Add(x);
            var averagePool = Take("AveragePool", x);
            if (_next != graph.Node.Count)
                throw new OnnxFormatException($"Unexpected node {graph.Node[_next].Name} ({graph.Node[_next].OpType}) after the average pool.");
            if (graph.Output.Count != 1 || graph.Output[0].Name != averagePool.Output[0])
                throw new OnnxFormatException("The graph's output is not its average pool's.");
            return new ResNet18(stemConv, stemNorm, new PoolLayer(poolNode), [.. blocks], new PoolLayer(averagePool), stageNames, averagePool.Output[0]);
        }

        /// <summary>
        /// One basic block starting from tensor <paramref name="input"/>: the nodes up to its Add and
        /// ReLU, the projection shortcut (Conv, BatchNormalization on the input) in whichever order
        /// the exporter wrote it.
        /// </summary>
        private (ResNetBlock Block, string Output) ReadBlock(string input)
        {
            var nodes = new List<NodeProto>();
            while (true)
            {
                if (_next >= graph.Node.Count)
                    throw new OnnxFormatException($"The graph ends inside a basic block starting at {input}.");
                var node = graph.Node[_next++];
                nodes.Add(node);
                if (node.OpType == "Add")
                    break;
            }
            var add = nodes[^1];
            var producers = nodes.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
            NodeProto Producer(string name, string op, string role)
            {
                if (!producers.TryGetValue(name, out var node) || node.OpType != op)
                    throw new OnnxFormatException($"Basic block at {input}: the {role} ({name}) is not produced by a {op} of the block.");
                return node;
            }

            // main: Conv -> BatchNormalization -> Relu -> Conv -> BatchNormalization -> Add.
            var mainIndex = add.Input.ToList().FindIndex(name => producers.TryGetValue(name, out var p) && p.OpType == "BatchNormalization"
                && producers.TryGetValue(p.Input[0], out var c) && c.OpType == "Conv" && c.Input[0] != input);
            if (mainIndex < 0 || add.Input.Count != 2)
                throw new OnnxFormatException($"Basic block at {input}: its Add ({add.Name}) has no main path.");
            var norm2 = Producer(add.Input[mainIndex], "BatchNormalization", "second normalisation");
            var conv2 = Producer(norm2.Input[0], "Conv", "second convolution");
            var relu1 = Producer(conv2.Input[0], "Relu", "first activation");
            var norm1 = Producer(relu1.Input[0], "BatchNormalization", "first normalisation");
            var conv1 = Producer(norm1.Input[0], "Conv", "first convolution");
            if (conv1.Input[0] != input)
                throw new OnnxFormatException($"Basic block at {input}: its first convolution ({conv1.Name}) reads {conv1.Input[0]}.");

            var shortcutName = add.Input[1 - mainIndex];
            (NodeProto Conv, NodeProto Norm)? projection = null;
            if (shortcutName != input)
            {
                var norm = Producer(shortcutName, "BatchNormalization", "shortcut's normalisation");
                var conv = Producer(norm.Input[0], "Conv", "shortcut's convolution");
                if (conv.Input[0] != input)
                    throw new OnnxFormatException($"Basic block at {input}: its shortcut convolution ({conv.Name}) reads {conv.Input[0]}.");
                projection = (conv, norm);
            }
            var used = projection is null ? 6 : 8;
            if (nodes.Count != used)
                throw new OnnxFormatException($"Basic block at {input}: {nodes.Count} nodes up to its Add, expected {used}.");

            var relu = Take("Relu", add.Output[0]);
            var block = new ResNetBlock(Conv(conv1), Norm(norm1), Conv(conv2), Norm(norm2),
                projection is var (pc, pn) ? (Conv(pc), Norm(pn)) : null);
            return (block, relu.Output[0]);
        }

        /// <summary>The next node, which must be a <paramref name="op"/> reading <paramref name="input"/> first.</summary>
        private NodeProto Take(string op, string input)
        {
            if (_next >= graph.Node.Count)
                throw new OnnxFormatException($"Expected a {op} reading {input}, the graph has ended.");
            var node = graph.Node[_next++];
            if (node.OpType != op || node.Input.Count == 0 || node.Input[0] != input)
                throw new OnnxFormatException($"Expected a {op} reading {input}, found {node.Name} ({node.OpType}) reading {string.Join(", ", node.Input)}.");
            return node;
        }

        private ConvLayer Conv(NodeProto node) => new(node, Initializer(node, 1));

        private BatchNormLayer Norm(NodeProto node)
        {
            if (node.Input.Count != 5)
                throw new OnnxFormatException($"Node {node.Name} (BatchNormalization): expected 5 inputs, found {node.Input.Count}.");
            return new BatchNormLayer(node, Initializer(node, 1), Initializer(node, 2), Initializer(node, 3), Initializer(node, 4));
        }

        private Tensor Initializer(NodeProto node, int input)
        {
            if (!_initializers.TryGetValue(node.Input[input], out var initializer))
                throw new OnnxFormatException($"Node {node.Name} ({node.OpType}): input {input} ({node.Input[input]}) is not an initializer.");
            return initializer.ToTensor(device);
        }
    }
}

namespace DragGan.Engine.Networks;

/// <summary>
/// A synthesis layer's modulated convolution: its official name (<c>synthesis.b8.conv0</c>) and its
/// weight's shape [<see cref="OutChannels"/>, <see cref="InChannels"/>, <see cref="Kernel"/>, <see cref="Kernel"/>].
/// </summary>
public sealed record ConvLayerShape(string Name, int OutChannels, int InChannels, int Kernel)
{
    public long[] WeightShape => [OutChannels, InChannels, Kernel, Kernel];

    /// <summary>Inputs of one output channel: I * k * k.</summary>
    public int FanIn => InChannels * Kernel * Kernel;
}

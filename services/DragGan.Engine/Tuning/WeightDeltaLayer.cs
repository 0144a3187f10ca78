using DragGan.Engine.Networks;

namespace DragGan.Engine.Tuning;

/// <summary>
/// One synthesis convolution's delta. Low rank: <see cref="B"/> [O, r] and <see cref="A"/> [r, I k k],
/// row-major, dW = B A reshaped to [O, I, k, k]. Full: <see cref="B"/> is dW itself, [O, I k k],
/// and <see cref="A"/> is empty. Values are fp16-representable (they travel as fp16).
/// </summary>
public sealed record WeightDeltaLayer(ConvLayerShape Shape, float[] B, float[] A);

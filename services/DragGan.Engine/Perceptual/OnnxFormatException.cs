namespace DragGan.Engine.Perceptual;

/// <summary>An ONNX model that is not what the reader expects: a missing node, attribute or initializer, or an unsupported setting.</summary>
public sealed class OnnxFormatException(string message) : Exception(message);

namespace DragGan.Engine.Models;

/// <summary>What a client needs to know about a model before using it.</summary>
public sealed record ModelInfo(
    string Name,
    int Resolution,
    int NumWs,
    int WDim,
    int ZDim,
    string Description,
    bool IsDemo,
    double DefaultPsi,
    double DefaultLearningRate);

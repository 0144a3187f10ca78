using DragGan.Engine.Checkpoints;
using DragGan.Engine.Drags;
using DragGan.Engine.Models;

namespace DragGan.ModelTool;

/// <summary>
/// Resolves a <c>--model</c> argument: a built-in model (the face model, the default, or the
/// untrained demo model) or a checkpoint file, with the drag learning rate the model defaults to.
/// </summary>
internal static class ModelSource
{
    public const string FacesArgument = "faces";
    public const string DemoArgument = "demo";

    public static (string Name, GeneratorCheckpoint Checkpoint, double DefaultLearningRate) Load(string model)
    {
        if (model.Equals(FacesArgument, StringComparison.OrdinalIgnoreCase) ||
            model.Equals(FacesModel.Name, StringComparison.OrdinalIgnoreCase))
            return (FacesModel.Name, FacesModel.CreateCheckpoint(), FacesModel.DefaultLearningRate);
        var referenceLearningRate = new DragParameters().LearningRate;
        if (model.Equals(DemoArgument, StringComparison.OrdinalIgnoreCase) ||
            model.Equals(DemoModel.Name, StringComparison.OrdinalIgnoreCase))
            return (DemoModel.Name, DemoModel.CreateCheckpoint(), referenceLearningRate);
        if (!File.Exists(model))
            throw new ToolException(ExitCodes.BadInput, $"Model '{model}' is neither '{FacesArgument}', '{DemoArgument}' nor an existing checkpoint file.");
        return (Path.GetFileName(model), CheckpointLoader.Load(model), referenceLearningRate);
    }
}

using DragGan.Engine.Checkpoints;
using DragGan.Engine.Models;

namespace DragGan.ModelTool;

/// <summary>Resolves a <c>--model</c> argument: a built-in model (the untrained demo model or the faces model) or a checkpoint file.</summary>
internal static class ModelSource
{
    public const string FacesArgument = "faces";
    public const string DemoArgument = "demo";

    public static (string Name, GeneratorCheckpoint Checkpoint) Load(string model)
    {
        if (model.Equals(FacesArgument, StringComparison.OrdinalIgnoreCase) ||
            model.Equals(FacesModel.Name, StringComparison.OrdinalIgnoreCase))
            return (FacesModel.Name, FacesModel.CreateCheckpoint());
        if (model.Equals(DemoArgument, StringComparison.OrdinalIgnoreCase) ||
            model.Equals(DemoModel.Name, StringComparison.OrdinalIgnoreCase))
            return (DemoModel.Name, DemoModel.CreateCheckpoint());
        if (!File.Exists(model))
            throw new ToolException(ExitCodes.BadInput, $"Model '{model}' is neither '{DemoArgument}', '{FacesArgument}' nor an existing checkpoint file.");
        return (Path.GetFileName(model), CheckpointLoader.Load(model));
    }
}

using DragGan.Engine.Checkpoints;
using DragGan.Engine.Models;

namespace DragGan.ModelTool;

/// <summary>Resolves a <c>--model</c> argument: the built-in demo model or a checkpoint file.</summary>
internal static class ModelSource
{
    public const string DemoArgument = "demo";

    public static (string Name, GeneratorCheckpoint Checkpoint) Load(string model)
    {
        if (model.Equals(DemoArgument, StringComparison.OrdinalIgnoreCase) ||
            model.Equals(DemoModel.Name, StringComparison.OrdinalIgnoreCase))
            return (DemoModel.Name, DemoModel.CreateCheckpoint());
        if (!File.Exists(model))
            throw new ToolException(ExitCodes.BadInput, $"Model '{model}' is neither '{DemoArgument}' nor an existing checkpoint file.");
        return (Path.GetFileName(model), CheckpointLoader.Load(model));
    }
}

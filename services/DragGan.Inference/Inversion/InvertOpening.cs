using DragGan.Engine.Imaging;
using DragGan.Engine.Inversion;
using DragGan.Engine.Models;
using DragGan.Inference.Services;
using DragGan.Inference.Streaming;
using DragGan.Protos.V1;
using Grpc.Core;
using EngineSpace = DragGan.Engine.Drag.LatentSpace;
using ModelInfo = DragGan.Engine.Models.ModelInfo;

namespace DragGan.Inference.Inversion;

/// <summary>The checked start of an Invert stream: the model, the target image, the options and the frame options.</summary>
internal sealed record InvertOpening(ModelInfo Model, RgbImage Target, InversionOptions Options, FrameSettings Frames, string SessionId)
{
    /// <exception cref="RpcException">INVALID_ARGUMENT naming the "start.*" field; UNIMPLEMENTED for pivotal tuning.</exception>
    /// <exception cref="ModelNotFoundException">NOT_FOUND.</exception>
    public static InvertOpening From(InvertRequest request, IModelRegistry registry)
    {
        if (request.KindCase != InvertRequest.KindOneofCase.Start)
            throw Invalid.Argument("kind", $"of the first message must be start, got {(request.KindCase == InvertRequest.KindOneofCase.None ? "nothing" : "stop")}.");
        var start = request.Start;
        var model = registry.Describe(string.IsNullOrEmpty(start.Model) ? registry.DefaultModelName : start.Model);
        if (start.PivotalTuning)
            throw new RpcException(new Status(StatusCode.Unimplemented,
                "start.pivotal_tuning is not available: tuned generator weights would tie the session to one replica. Invert without it."));

        var options = new InversionOptions
        {
            Space = start.Space switch
            {
                LatentSpace.Unspecified or LatentSpace.WPlus => EngineSpace.WPlus,
                LatentSpace.W => EngineSpace.W,
                _ => throw Invalid.Argument("start.space", $"must be W_PLUS or W, got {(int)start.Space}."),
            },
            InitialLatent = start.InitialLatent is null ? null : LatentMessages.ToWPlus(start.InitialLatent, model, "start.initial_latent"),
        };
        if (start.HasSteps)
            options = options with { Steps = (int)Math.Min(start.Steps, int.MaxValue) };
        if (start.HasLearningRate)
            options = options with { LearningRate = start.LearningRate };

        return new InvertOpening(
            model,
            ImageMessages.Decode(start.Image, "start.image"),
            options,
            FrameSettings.From(start.FrameOptions, "start.frame_options"),
            start.SessionId);
    }
}

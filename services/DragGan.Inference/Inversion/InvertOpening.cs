using DragGan.Engine.Inversion;
using DragGan.Engine.Models;
using DragGan.Inference.Services;
using DragGan.Inference.Streaming;
using DragGan.Protos.V1;
using Grpc.Core;
using TorchSharp;
using EngineSpace = DragGan.Engine.Drags.LatentSpace;
using ModelInfo = DragGan.Engine.Models.ModelInfo;

namespace DragGan.Inference.Inversion;

/// <summary>
/// The checked start of an Invert stream: the model, the target image (still encoded), the options
/// and the frame options. The image's declared size is checked here, before anything is decoded:
/// at most <see cref="MaxSideFactor"/> times the model's side, since the target is reduced to the
/// model's resolution anyway.
/// </summary>
internal sealed record InvertOpening(ModelInfo Model, EncodedImage Image, (int Width, int Height) ImageSize, InversionOptions Options, FrameSettings Frames, string SessionId)
{
    public const int MaxSideFactor = 4;

    private const string ImageField = "start.image";

    /// <summary>
    /// Decodes the image and reduces it on the CPU to the model's resolution: [1, 3, R, R] float32
    /// on the CPU. Call under <see cref="ImageDecodeAdmission"/>.
    /// </summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT naming "start.image.*": not a decodable image.</exception>
    /// <exception cref="ArgumentException">The image is not square ("start.image").</exception>
    public torch.Tensor DecodeTarget() =>
        InversionTarget.FromRgb(ImageMessages.Decode(Image, ImageField), Model.Resolution, torch.CPU);

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

        var size = ImageMessages.Size(start.Image, ImageField);
        var maxSide = MaxSideFactor * model.Resolution;
        if (size.Width > maxSide || size.Height > maxSide)
            throw Invalid.Argument(ImageField, $"is {size.Width}x{size.Height}; inversion takes at most {maxSide}x{maxSide} ({MaxSideFactor}x the model's {model.Resolution} px): reduce it first.");

        return new InvertOpening(
            model,
            start.Image,
            size,
            options,
            FrameSettings.From(start.FrameOptions, "start.frame_options"),
            start.SessionId);
    }
}

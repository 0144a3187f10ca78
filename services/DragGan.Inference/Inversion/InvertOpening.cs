using DragGan.Engine.Inversion;
using DragGan.Engine.Models;
using DragGan.Engine.Tuning;
using DragGan.Inference.Services;
using DragGan.Inference.Streaming;
using DragGan.Protos.V1;
using Grpc.Core;
using TorchSharp;
using EngineGeneratorKind = DragGan.Engine.Networks.GeneratorKind;
using EngineSpace = DragGan.Engine.Drags.LatentSpace;
using ModelInfo = DragGan.Engine.Models.ModelInfo;

namespace DragGan.Inference.Inversion;

/// <summary>
/// The checked start of an Invert stream: the model, the target image (still encoded), the options
/// and the frame options. The image's declared size is checked here, before anything is decoded:
/// at most <see cref="MaxSideFactor"/> times the model's side, since the target is reduced to the
/// model's resolution anyway.
/// </summary>
internal sealed record InvertOpening(ModelInfo Model, EncodedImage Image, (int Width, int Height) ImageSize, InversionOptions Options, PivotalTuningOptions? Tuning, FrameSettings Frames, string SessionId)
{
    public const int MaxSideFactor = 4;

    /// <summary>The most tuning steps a request may ask for (PTI takes 350).</summary>
    public const int MaxTuningSteps = 2000;

    private const string ImageField = "start.image";

    /// <summary>
    /// Decodes the image and reduces it on the CPU to the model's resolution: [1, 3, R, R] float32
    /// on the CPU. Call under <see cref="ImageDecodeAdmission"/>.
    /// </summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT naming "start.image.*": not a decodable image.</exception>
    /// <exception cref="ArgumentException">The image is not square ("start.image").</exception>
    public torch.Tensor DecodeTarget() =>
        InversionTarget.FromRgb(ImageMessages.Decode(Image, ImageField), Model.Resolution, torch.CPU);

    /// <exception cref="RpcException">INVALID_ARGUMENT naming the "start.*" field; FAILED_PRECONDITION for pivotal tuning on a model that takes no deltas.</exception>
    /// <exception cref="ModelNotFoundException">NOT_FOUND.</exception>
    public static InvertOpening From(InvertRequest request, IModelRegistry registry)
    {
        if (request.KindCase != InvertRequest.KindOneofCase.Start)
            throw Invalid.Argument("kind", $"of the first message must be start, got {(request.KindCase == InvertRequest.KindOneofCase.None ? "nothing" : "stop")}.");
        var start = request.Start;
        var model = registry.Describe(string.IsNullOrEmpty(start.Model) ? registry.DefaultModelName : start.Model);
        var tuning = TuningOf(start, model);

        var options = new InversionOptions
        {
            Space = start.Space switch
            {
                // PTI's pivot is a W latent: W stays editable where W+ drifts off the manifold.
                LatentSpace.Unspecified when tuning is not null => EngineSpace.W,
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
            tuning,
            FrameSettings.From(start.FrameOptions, "start.frame_options", model.Resolution),
            start.SessionId);
    }

    private static PivotalTuningOptions? TuningOf(InvertStart start, ModelInfo model)
    {
        if (!start.PivotalTuning)
        {
            if (start.HasTuningSteps || start.HasTuningRank)
                throw Invalid.Argument(start.HasTuningSteps ? "start.tuning_steps" : "start.tuning_rank", "applies only with start.pivotal_tuning.");
            return null;
        }
        if (model.Kind is EngineGeneratorKind.StyleGan3T or EngineGeneratorKind.StyleGan3R)
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"start.pivotal_tuning is not available for model '{model.Name}': a StyleGAN3 generator takes no weight deltas. Invert without it."));
        var tuning = new PivotalTuningOptions();
        if (start.HasTuningSteps)
        {
            if (start.TuningSteps is < 1 or > MaxTuningSteps)
                throw Invalid.Argument("start.tuning_steps", $"must be in 1..{MaxTuningSteps}, got {start.TuningSteps}.");
            tuning = tuning with { Steps = (int)start.TuningSteps };
        }
        if (start.HasTuningRank)
        {
            if (start.TuningRank is < 1 or > WeightDeltaFormat.MaxRank)
                throw Invalid.Argument("start.tuning_rank", $"must be in 1..{WeightDeltaFormat.MaxRank}, got {start.TuningRank}.");
            tuning = tuning with { Rank = (int)start.TuningRank };
        }
        return tuning;
    }
}

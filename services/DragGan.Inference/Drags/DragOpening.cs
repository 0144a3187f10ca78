using DragGan.Engine.Drags;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using DragGan.Inference.Services;
using DragGan.Inference.Streaming;
using DragGan.Protos.V1;
using TorchSharp;
using ModelInfo = DragGan.Engine.Models.ModelInfo;

namespace DragGan.Inference.Drags;

/// <summary>
/// The checked first message of a Drag stream, a start or a resume: the model, how to create the
/// edit on it, and the frame options. Creating the edit may run a forward (a resume recomputes
/// F0), so it happens later, under the model's gate.
/// </summary>
internal sealed class DragOpening
{
    private readonly Func<ImageGenerator, DragEdit> _create;

    private DragOpening(ModelInfo model, FrameSettings frames, string sessionId, Func<ImageGenerator, DragEdit> create)
    {
        Model = model;
        Frames = frames;
        SessionId = sessionId;
        _create = create;
    }

    public ModelInfo Model { get; }

    public FrameSettings Frames { get; }

    /// <summary>The caller's id for logs; empty when it gave none.</summary>
    public string SessionId { get; }

    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming the "start.*", "resume.*" or "kind" field.</exception>
    /// <exception cref="ModelNotFoundException">The model is not served here (NOT_FOUND).</exception>
    public static DragOpening From(DragRequest request, IModelRegistry registry) => request.KindCase switch
    {
        DragRequest.KindOneofCase.Start => FromStart(request.Start, registry),
        DragRequest.KindOneofCase.Resume => FromResume(request.Resume, registry),
        _ => throw Invalid.Argument("kind", $"of the first message must be start or resume, got {KindName(request.KindCase)}."),
    };

    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT: the engine refused the edit; the field is named as in the request.</exception>
    public DragEdit CreateEdit(ImageGenerator generator) => _create(generator);

    public static string KindName(DragRequest.KindOneofCase kind) =>
        kind == DragRequest.KindOneofCase.None ? "nothing" : kind.ToString().ToLowerInvariant();

    private static DragOpening FromStart(DragStart start, IModelRegistry registry)
    {
        var model = registry.Describe(string.IsNullOrEmpty(start.Model) ? registry.DefaultModelName : start.Model);
        if (start.Latent is null)
            throw Invalid.Argument("start.latent", "must be set (w0, the latent the edit starts from).");
        var latent = LatentMessages.ToWPlus(start.Latent, model, "start.latent");
        if (start.Points.Count == 0)
            throw Invalid.Argument("start.points", "must hold at least one handle/target pair.");
        var points = start.Points.Select((pair, i) => DragMessages.Pair(pair, model.Resolution, $"start.points[{i}]")).ToArray();
        var mask = DragMessages.FixedRegion(start.Mask, model.Resolution, "start.mask");
        var parameters = DragMessages.Parameters(start.Parameters, model, null, "start.parameters");
        var frames = FrameSettings.From(start.FrameOptions, "start.frame_options", model.Resolution);
        var weightDelta = start.WeightDelta;

        return new DragOpening(model, frames, start.SessionId, generator =>
        {
            // Read against the loaded generator's layers, under the model's gate as the edit is created.
            var delta = WeightDeltaMessages.Read(weightDelta, model.Name, generator, "start.weight_delta");
            try
            {
                using var w0 = torch.tensor(latent, [model.NumWs, model.WDim]).to(generator.Device);
                return DragEdit.Start(generator, w0, points, mask, parameters, weightDelta: delta);
            }
            catch (DragInputException e)
            {
                throw DragRequestFields.Invalid(e, "start");
            }
        });
    }

    private static DragOpening FromResume(DragResume resume, IModelRegistry registry)
    {
        if (resume.State is null)
            throw Invalid.Argument("resume.state", "must be set (the state a frame carried).");
        var model = registry.Describe(string.IsNullOrEmpty(resume.State.Model) ? registry.DefaultModelName : resume.State.Model);
        var state = DragMessages.State(resume.State, model, "resume.state");
        var frames = FrameSettings.From(resume.FrameOptions, "resume.frame_options", model.Resolution);
        var weightDelta = resume.WeightDelta;

        return new DragOpening(model, frames, resume.SessionId, generator =>
        {
            var delta = WeightDeltaMessages.Read(weightDelta, model.Name, generator, "resume.weight_delta");
            try
            {
                return DragEdit.Resume(generator, state, weightDelta: delta);
            }
            catch (DragInputException e)
            {
                throw DragRequestFields.Invalid(e, "resume");
            }
        });
    }
}

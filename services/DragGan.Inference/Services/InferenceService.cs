using DragGan.Contracts;
using DragGan.Engine.Imaging;
using DragGan.Inference.Drags;
using DragGan.Inference.Inversion;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using DragGan.Engine.Random;
using DragGan.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using TorchSharp;
using EngineNoiseMode = DragGan.Engine.Networks.NoiseMode;
using InferenceContract = DragGan.Protos.V1.Inference;
using NoiseMode = DragGan.Protos.V1.NoiseMode;

namespace DragGan.Inference.Services;

/// <summary>
/// draggan.v1.Inference: Generate and ListModels over the model registry, Drag through the drag
/// scheduler (<see cref="DragCallHandler"/>), Invert through the projector (<see cref="InvertCallHandler"/>). Inputs are checked
/// before any generator work, so that every INVALID_ARGUMENT names the request field.
/// </summary>
internal sealed class InferenceService(IModelRegistry registry, ModelGates gates, DragCallHandler drags, InvertCallHandler inversions, ILogger<InferenceService> logger)
    : InferenceContract.InferenceBase
{
    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse { DefaultModel = registry.DefaultModelName };
        foreach (var model in registry.List())
        {
            response.Models.Add(new Protos.V1.ModelInfo
            {
                Name = model.Name,
                Resolution = (uint)model.Resolution,
                NumWs = (uint)model.NumWs,
                WDim = (uint)model.WDim,
                ZDim = (uint)model.ZDim,
                Description = model.Description,
                IsDemo = model.IsDemo,
                DefaultPsi = model.DefaultPsi,
                DefaultLearningRate = model.DefaultLearningRate,
                Kind = ModelMessages.KindOf(model.Kind),
                Content = ModelMessages.ContentOf(model.Content),
            });
        }
        return Task.FromResult(response);
    }

    public override async Task<GenerateResponse> Generate(GenerateRequest request, ServerCallContext context)
    {
        var model = ResolveModel(request.Model);
        var source = GenerateSource.From(request, model);
        var noise = NoiseModeOf(request.NoiseMode, "noise_mode");
        var rendering = ImageRendering.From(request.Image, "image");

        // Loading a model on first use is slow too: it happens on the pool thread, under the gate.
        if (!request.WeightDelta.IsEmpty && source.Seed is not null)
            throw Invalid.Argument("weight_delta", "applies to a latent source only: a tuned photo's delta fits the latent it was tuned at.");
        var tenant = context.RequestHeaders.GetValue(TenantMetadata.Header) ?? "";
        var (pixels, latent) = await gates.RunAsync(model.Name, tenant, () => Render(registry.Get(model.Name), model.Name, source, noise, request.WeightDelta), context.CancellationToken);
        logger.LogDebug("Generated {Model} from {Source}", model.Name, source);
        return new GenerateResponse
        {
            Image = rendering.Encode(pixels),
            Latent = LatentMessages.FromWPlus(latent, model.NumWs, model.WDim),
            Model = model.Name,
            Content = ModelMessages.ContentOf(model.Content),
        };
    }

    public override Task Drag(IAsyncStreamReader<DragRequest> requestStream, IServerStreamWriter<DragFrame> responseStream, ServerCallContext context) =>
        drags.RunAsync(requestStream, responseStream, context);

    public override Task Invert(IAsyncStreamReader<InvertRequest> requestStream, IServerStreamWriter<InvertProgress> responseStream, ServerCallContext context) =>
        inversions.RunAsync(requestStream, responseStream, context);

    /// <summary>The named model, or the default one for an empty name.</summary>
    /// <exception cref="ModelNotFoundException">No model has that name (NOT_FOUND).</exception>
    private Engine.Models.ModelInfo ResolveModel(string name) =>
        registry.Describe(string.IsNullOrEmpty(name) ? registry.DefaultModelName : name);

    private static EngineNoiseMode NoiseModeOf(NoiseMode mode, string field) => mode switch
    {
        NoiseMode.Unspecified or NoiseMode.Const => EngineNoiseMode.Const,
        NoiseMode.Random => EngineNoiseMode.Random,
        NoiseMode.None => EngineNoiseMode.None,
        _ => throw Invalid.Argument(field, $"must be CONST, RANDOM or NONE, got {(int)mode}."),
    };

    /// <summary>One forward: the seed's or the given w+, synthesised. Runs on a pool thread under the model's gate.</summary>
    private static (RgbImage Pixels, float[] Latent) Render(ImageGenerator generator, string modelName, GenerateSource source, EngineNoiseMode noise, ByteString weightDelta)
    {
        var delta = WeightDeltaMessages.Read(weightDelta, modelName, generator, "weight_delta");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ws = source.Seed is { } seed
            ? generator.MapSeed(seed, source.Psi, source.TruncationCutoff)
            : torch.tensor(source.Latent!, [1, generator.NumWs, generator.WDim]);
        var latent = ws.cpu().contiguous().data<float>().ToArray();
        return (generator.Render(ws, noise, delta?.ToConvWeightDeltas(generator.Device)), latent);
    }

    /// <summary>A checked Generate source: a seed with its truncation, or a w+ latent.</summary>
    private sealed record GenerateSource(long? Seed, double Psi, int? TruncationCutoff, float[]? Latent)
    {
        public static GenerateSource From(GenerateRequest request, Engine.Models.ModelInfo model)
        {
            switch (request.SourceCase)
            {
                case GenerateRequest.SourceOneofCase.Seed:
                    var seed = request.Seed;
                    if (seed.Seed > LegacyNumpyRandom.MaxSeed)
                        throw Invalid.Argument("seed.seed", $"must be in 0..{LegacyNumpyRandom.MaxSeed} (2^32 - 1), got {seed.Seed}.");
                    var psi = seed.HasTruncationPsi ? seed.TruncationPsi : model.DefaultPsi;
                    if (!double.IsFinite(psi))
                        throw Invalid.Argument("seed.truncation_psi", $"must be finite, got {psi}.");
                    int? cutoff = null;
                    if (seed.HasTruncationCutoff)
                    {
                        if (seed.TruncationCutoff < 1 || seed.TruncationCutoff > model.NumWs)
                            throw Invalid.Argument("seed.truncation_cutoff", $"must be in 1..{model.NumWs} (num_ws of model '{model.Name}'), got {seed.TruncationCutoff}.");
                        cutoff = (int)seed.TruncationCutoff;
                    }
                    return new GenerateSource((long)seed.Seed, psi, cutoff, null);
                case GenerateRequest.SourceOneofCase.Latent:
                    return new GenerateSource(null, 1, null, LatentMessages.ToWPlus(request.Latent, model, "latent"));
                default:
                    throw Invalid.Argument("source", "must be set: give either seed or latent.");
            }
        }

        public override string ToString() => Seed is { } seed
            ? $"seed {seed} (psi {Psi}{(TruncationCutoff is { } c ? $", cutoff {c}" : "")})"
            : "a latent";
    }
}

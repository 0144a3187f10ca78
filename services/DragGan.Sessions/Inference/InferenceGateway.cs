using DragGan.Contracts;
using DragGan.Protos.V1;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Services;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Inference;

/// <summary>
/// The session service's calls to the inference service: generation, inversion, drags, and the
/// models it serves (cached for <see cref="SessionsOptions.ModelCacheDuration"/>, since every latent
/// check needs a model's shape). A drag picks its replica itself, to move to another when one fails.
/// </summary>
/// <remarks>
/// This is where the session service is a gRPC client: a failed call leaves here as an
/// <see cref="InferenceFailedException"/>, which carries the inference service's status for the
/// gRPC layer to relay unchanged (its statuses and field names are the contract's too).
/// </remarks>
public sealed class InferenceGateway(InferenceReplicaSet replicas, IOptions<SessionsOptions> options, TimeProvider time)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (ListModelsResponse Models, DateTimeOffset FetchedAt)? _models;

    /// <summary>The models, from the cache while it is fresh.</summary>
    public async Task<ListModelsResponse> ListModelsAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } cached)
            return cached;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } again)
                return again;
            // Replicas may serve different models: the list is their union, in the order the
            // least loaded replica gives, its default first.
            var candidates = await replicas.CandidatesAsync(new HashSet<string>(), cancellationToken);
            if (candidates.Count == 0)
                throw new TemporarilyUnavailableException("No inference replica is available; retry later.");
            var lists = await InferenceErrors.TranslateAsync(() =>
                Task.WhenAll(candidates.Select(r => r.Client.ListModelsAsync(new ListModelsRequest(), cancellationToken: cancellationToken).ResponseAsync)));
            var models = new ListModelsResponse { DefaultModel = lists[0].DefaultModel };
            models.Models.AddRange(lists.SelectMany(l => l.Models).DistinctBy(m => m.Name, StringComparer.OrdinalIgnoreCase));
            _models = (models, time.GetUtcNow());
            return models;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>The named model (empty = the default one).</summary>
    /// <exception cref="ReferenceNotFoundException">Naming <paramref name="field"/> when no model has that name.</exception>
    public async Task<ModelInfo> DescribeModelAsync(string name, string field, CancellationToken cancellationToken)
    {
        var models = await ListModelsAsync(cancellationToken);
        var wanted = string.IsNullOrEmpty(name) ? models.DefaultModel : name;
        return models.Models.FirstOrDefault(m => string.Equals(m.Name, wanted, StringComparison.OrdinalIgnoreCase))
            ?? throw new ReferenceNotFoundException(field,
                $"{ClientText.Quote(wanted)} is not served; available: {string.Join(", ", models.Models.Select(m => m.Name))}.");
    }

    /// <summary>Generates for <paramref name="tenant"/>, whose name goes with the call, so that the inference service shares its model's gate by tenant.</summary>
    public async Task<GenerateResponse> GenerateAsync(string tenant, GenerateRequest request, CancellationToken cancellationToken)
    {
        var replica = await replicas.AnyAsync(cancellationToken, ModelOf(request.Model));
        return await InferenceErrors.TranslateAsync(() => replica.Client.GenerateAsync(request, TenantHeader(tenant), cancellationToken: cancellationToken).ResponseAsync);
    }

    /// <summary>
    /// Runs an inversion for <paramref name="tenant"/> to its end and returns the final progress (its
    /// latent is the result). The frames of its steps go to <paramref name="progress"/> as they
    /// arrive (the reporter must not block); the final frame, which repeats the last step with the
    /// result, only comes back.
    /// </summary>
    public async Task<InvertProgress> InvertAsync(string tenant, InvertStart start, IProgress<InvertProgress>? progress, CancellationToken cancellationToken)
    {
        var replica = await replicas.AnyAsync(cancellationToken, ModelOf(start.Model));
        return await InferenceErrors.TranslateAsync(() => InvertOnAsync(replica, tenant, start, progress, cancellationToken));
    }

    private static async Task<InvertProgress> InvertOnAsync(InferenceReplica replica, string tenant, InvertStart start, IProgress<InvertProgress>? progress, CancellationToken cancellationToken)
    {
        using var call = replica.Client.Invert(TenantHeader(tenant), cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new InvertRequest { Start = start }, cancellationToken);
        InvertProgress? last = null;
        await foreach (var frame in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            last = frame;
            if (frame.Final)
                break;
            progress?.Report(frame);
        }
        await call.RequestStream.CompleteAsync();
        if (last is not { Final: true, Latent: not null })
            throw new InferenceFailedException(InferenceFailure.ReplicaFailed, "The inference service ended the inversion without a result; retry.");
        return last;
    }

    /// <summary>
    /// The replicas a drag's next stream may go to, least loaded first: healthy, serving
    /// <paramref name="model"/>, and not among <paramref name="exclude"/> (those that failed the drag).
    /// </summary>
    public Task<IReadOnlyList<InferenceReplica>> DragReplicasAsync(IReadOnlySet<string> exclude, string model, CancellationToken cancellationToken) =>
        replicas.CandidatesAsync(exclude, cancellationToken, model);

    /// <summary>Opens a Drag stream on <paramref name="replica"/>; the tenant goes with the call, so that the inference service shares its GPU by tenant.</summary>
    public InferenceDragCall OpenDrag(InferenceReplica replica, string tenant, CancellationToken cancellationToken) =>
        new(replica.Client.Drag(TenantHeader(tenant), cancellationToken: cancellationToken));

    private static Metadata TenantHeader(string tenant) => new() { { TenantMetadata.Header, tenant } };

    /// <summary>A drag's stream on <paramref name="replica"/> failed: new drags keep away from it for a while.</summary>
    public void ReportDragFailure(InferenceReplica replica, Exception error) => replicas.ReportFailure(replica, error);

    /// <summary>Unary calls that name a model go to a replica that serves it; an empty name means any replica's default.</summary>
    private static string? ModelOf(string model) => string.IsNullOrEmpty(model) ? null : model;

    private ListModelsResponse? Fresh() =>
        _models is { } m && time.GetUtcNow() - m.FetchedAt < options.Value.ModelCacheDuration ? m.Models : null;
}

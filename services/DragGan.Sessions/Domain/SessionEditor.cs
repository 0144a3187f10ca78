using DragGan.Protos.V1;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Services;
using DragGan.Sessions.Storage;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Domain;

/// <summary>
/// Every change to a session goes through here, as a read-modify-write on the store that is
/// retried when another replica wrote first (see <see cref="SessionStoreExtensions.UpdateAsync"/>).
/// The gRPC service calls it for history moves; the drag proxy calls
/// <see cref="BeginDragAsync"/>, <see cref="RecordDragProgressAsync"/>,
/// <see cref="AppendDragFrameAsync"/> and <see cref="CommitDragAsync"/> or
/// <see cref="DiscardDragAsync"/> as a drag runs.
/// </summary>
public sealed class SessionEditor(
    ISessionStore store,
    IDragFrameStore frames,
    StoreBudget budget,
    InferenceGateway inference,
    IOptions<SessionsOptions> options,
    TimeProvider time)
{
    private SessionsOptions Options => options.Value;

    /// <summary>The session; <see cref="SessionNotFoundException"/> when the tenant has none with that id.</summary>
    public async Task<SessionRecord> GetAsync(SessionKey key, CancellationToken cancellationToken) =>
        await store.GetAsync(key, cancellationToken) ?? throw new SessionNotFoundException(key.Id);

    /// <summary>The session, or null when the tenant has none with that id (any more).</summary>
    public Task<SessionRecord?> FindAsync(SessionKey key, CancellationToken cancellationToken) => store.GetAsync(key, cancellationToken);

    /// <summary>
    /// Creates a session from the request's source (Generate, a checked latent, or Invert) and
    /// stores it. The tenant's quotas and the store's budget are checked before any inference work,
    /// and the store checks the quotas again as it writes. An image's inversion reports its steps to
    /// <paramref name="inversionProgress"/>, when given, as they come (the reporter must not block).
    /// </summary>
    public async Task<(SessionRecord Session, EncodedImage? Image)> CreateAsync(string tenant, CreateSessionRequest request,
        IProgress<InversionProgress>? inversionProgress, CancellationToken cancellationToken)
    {
        var ttl = ResolveTtl(request.Ttl);
        await RequireRoomAsync(tenant, cancellationToken);
        var (model, entry, image, weightDelta) = request.SourceCase switch
        {
            CreateSessionRequest.SourceOneofCase.Seed => await FromSeedAsync(tenant, request.Seed, request.ImageOptions, cancellationToken),
            CreateSessionRequest.SourceOneofCase.Latent => await FromLatentAsync(tenant, request.Latent, request.ImageOptions, cancellationToken),
            CreateSessionRequest.SourceOneofCase.Image => await FromImageAsync(tenant, request.Image, request.ImageOptions, inversionProgress, cancellationToken),
            _ => throw new InvalidInputException("source", "must be set: give seed, latent or image."),
        };

        var now = time.GetUtcNow();
        var stored = new StoredSession
        {
            Tenant = tenant,
            NextEntryId = 1,
            WeightDelta = weightDelta ?? ByteString.Empty,
            Session = new Protos.V1.Session
            {
                Id = SessionIds.New(),
                Model = model.Name,
                Resolution = model.Resolution,
                CreateTime = Timestamp.FromDateTimeOffset(now),
                Ttl = Duration.FromTimeSpan(ttl),
            },
        };
        SessionHistory.Commit(stored, entry, Options.MaxHistory, now);
        SessionLifetime.Touch(stored.Session, now);
        return (await store.CreateAsync(stored, cancellationToken), image);
    }

    /// <summary><see cref="StoreQuotaExceededException"/> when the tenant is at a quota or the store at its budget.</summary>
    private async Task RequireRoomAsync(string tenant, CancellationToken cancellationToken)
    {
        var usage = await store.TenantUsageAsync(tenant, cancellationToken);
        var quota = Options.TenantQuota;
        if (usage.Sessions >= quota.Sessions)
            throw StoreQuotaExceededException.Sessions(tenant, quota.Sessions);
        if (usage.StoredBytes >= quota.StoredBytes)
            throw StoreQuotaExceededException.StoredBytes(tenant, quota.StoredBytes, usage.StoredBytes, 0);
        await budget.RequireRoomAsync(cancellationToken);
    }

    public Task<SessionRecord> UndoAsync(SessionKey key, ulong? expectedVersion, CancellationToken cancellationToken) =>
        UpdateAsync(key, expectedVersion, SessionHistory.Undo, cancellationToken);

    public Task<SessionRecord> RedoAsync(SessionKey key, ulong? expectedVersion, CancellationToken cancellationToken) =>
        UpdateAsync(key, expectedVersion, SessionHistory.Redo, cancellationToken);

    public Task<SessionRecord> CheckoutIndexAsync(SessionKey key, uint index, ulong? expectedVersion, CancellationToken cancellationToken) =>
        UpdateAsync(key, expectedVersion, stored => SessionHistory.CheckoutIndex(stored, index), cancellationToken);

    public Task<SessionRecord> CheckoutEntryAsync(SessionKey key, ulong entryId, ulong? expectedVersion, CancellationToken cancellationToken) =>
        UpdateAsync(key, expectedVersion, stored => SessionHistory.CheckoutEntry(stored, entryId), cancellationToken);

    /// <summary>Deletes the session and its frames; <see cref="SessionNotFoundException"/> when there is none.</summary>
    public async Task DeleteAsync(SessionKey key, ulong? expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            if (!await store.DeleteAsync(key, expectedVersion is { } v ? (long)v : null, cancellationToken))
                throw new SessionNotFoundException(key.Id);
        }
        catch (SessionConflictException) when (expectedVersion is { } expected)
        {
            var current = await GetAsync(key, cancellationToken);
            throw new VersionMismatchException(expected, current.Version);
        }
    }

    /// <summary>
    /// Records a drag as the session's active drag (it must have none, or this one): the drag
    /// starts from the session's current latent with <paramref name="start"/>, which is kept so that
    /// another replica can start it over if it fails before saving a state. <see cref="OperationNotAllowedException"/>
    /// when another drag runs; <see cref="InvalidInputException"/>, before anything is written, when the start cannot
    /// be the session's model's (<see cref="DragStartBounds"/>).
    /// </summary>
    public Task<SessionRecord> BeginDragAsync(SessionKey key, ActiveDrag drag, DragStart? start, FrameOptions? frameOptions, ulong? expectedVersion, CancellationToken cancellationToken) =>
        UpdateAsync(key, expectedVersion, stored =>
        {
            if (start is not null)
                DragStartBounds.Check(start, frameOptions, stored.Session.Resolution);
            if (stored.Session.ActiveDrag is { } running && running.DragId != drag.DragId)
                throw new OperationNotAllowedException($"Drag '{running.DragId}' already runs on the session; stop it or take it over.");
            stored.Session.ActiveDrag = drag.Clone();
            stored.DragStart = start?.Clone();
            stored.DragFrameOptions = frameOptions?.Clone();
        }, cancellationToken);

    /// <summary>
    /// Persists a running drag's progress: its public state (phase, step, points, replica) and,
    /// when a frame carried one, the resumable DragState another replica can continue from. A
    /// state whose latents are not finite is not kept: the last finite one stays the one to resume.
    /// <see cref="ReferenceNotFoundException"/> ("drag_id") when the drag is no longer the session's active drag.
    /// </summary>
    public Task<SessionRecord> RecordDragProgressAsync(SessionKey key, ActiveDrag drag, DragState? state, CancellationToken cancellationToken) =>
        UpdateAsync(key, null, stored =>
        {
            RequireActiveDrag(stored, drag.DragId);
            var active = drag.Clone();
            active.UpdateTime = Timestamp.FromDateTimeOffset(time.GetUtcNow());
            stored.Session.ActiveDrag = active;
            if (state is not null && AllFinite(state.Latent) && AllFinite(state.InitialLatent))
                stored.DragState = state.Clone();
        }, cancellationToken);

    /// <summary>
    /// Keeps one image frame of a drag for ExportAnimation, as a JPEG no larger than the model's
    /// resolution and <see cref="SessionsOptions.DragFrameMaxSide"/> (bounded; see <see cref="IDragFrameStore"/>).
    /// </summary>
    /// <returns>Whether it was kept (the tenant's budget or the store's may have no room, the image may be unreadable).</returns>
    public async Task<bool> AppendDragFrameAsync(SessionKey key, string dragId, uint step, EncodedImage image, uint resolution, CancellationToken cancellationToken)
    {
        if (!await budget.HasRoomAsync(cancellationToken))
            return false;
        EncodedImage kept;
        try
        {
            kept = Exports.KeptFrames.Bound(image, Math.Min(Options.DragFrameMaxSide, (int)resolution));
        }
        catch (InvalidDataException)
        {
            // A frame that cannot be read is no frame of the animation; the drag goes on.
            return false;
        }
        return await frames.AppendFrameAsync(key, new StoredDragFrame { DragId = dragId, Step = step, Image = kept }, cancellationToken);
    }

    /// <summary>
    /// Commits a finished drag as a new history entry after the current one (dropping any redo
    /// states), makes its points, mask and parameters the session's, and clears the active drag.
    /// Committing a drag id that is already in the history changes nothing and returns that entry,
    /// so a commit retried after a lost reply is not doubled. A latent that is not finite is never
    /// committed (<see cref="OperationNotAllowedException"/>): the session keeps its current latent.
    /// </summary>
    public async Task<DragCommitResult> CommitDragAsync(SessionKey key, CommittedDrag drag, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(drag.DragId);
        ArgumentNullException.ThrowIfNull(drag.FinalLatent);
        ulong entryId = 0;
        var record = await UpdateAsync(key, null, stored =>
        {
            var session = stored.Session;
            if (session.History.FirstOrDefault(e => e.DragId == drag.DragId) is { } committed)
            {
                entryId = committed.Id;
                return;
            }
            if (session.ActiveDrag is { } running && running.DragId != drag.DragId)
                throw new OperationNotAllowedException($"Drag '{running.DragId}' runs on the session, not '{drag.DragId}'.");
            RequireSameShape(drag.FinalLatent, SessionHistory.Current(session).Latent);
            RequireFinite(drag.FinalLatent);

            var entry = new HistoryEntry
            {
                Kind = HistoryEntryKind.Drag,
                Steps = drag.Steps,
                Latent = drag.FinalLatent.Clone(),
                Outcome = drag.Outcome,
                DragId = drag.DragId,
            };
            entry.Points.AddRange(drag.Points.Select(p => p.Clone()));
            entryId = SessionHistory.Commit(stored, entry, Options.MaxHistory, time.GetUtcNow());
            session.Points.Clear();
            session.Points.AddRange(drag.Points.Select(p => p.Clone()));
            session.Mask = drag.Mask?.Clone();
            session.Parameters = drag.Parameters?.Clone();
            ClearActiveDrag(stored);
        }, cancellationToken);

        foreach (var frame in drag.Frames ?? [])
        {
            var copy = frame.Clone();
            copy.DragId = drag.DragId;
            await frames.AppendFrameAsync(key, copy, cancellationToken);
        }
        return new DragCommitResult(record, entryId);
    }

    /// <summary>Ends the active drag without committing it: the session stays where it was. <see cref="ReferenceNotFoundException"/> ("drag_id") for another drag.</summary>
    public Task<SessionRecord> DiscardDragAsync(SessionKey key, string dragId, CancellationToken cancellationToken) =>
        UpdateAsync(key, null, stored =>
        {
            RequireActiveDrag(stored, dragId);
            ClearActiveDrag(stored);
        }, cancellationToken);

    /// <summary>Read-modify-write with the expected-version check and the sliding expiry every change gets.</summary>
    private Task<SessionRecord> UpdateAsync(SessionKey key, ulong? expectedVersion, Action<StoredSession> change, CancellationToken cancellationToken) =>
        store.UpdateAsync(key, (stored, version) =>
        {
            if (expectedVersion is { } expected && (long)expected != version)
                throw new VersionMismatchException(expected, version);
            change(stored);
            SessionLifetime.Touch(stored.Session, time.GetUtcNow());
        }, Options.UpdateAttempts, cancellationToken);

    private TimeSpan ResolveTtl(Duration? requested)
    {
        if (requested is null)
            return Options.DefaultTtl;
        var ttl = requested.ToTimeSpan();
        if (ttl < TimeSpan.FromSeconds(1) || ttl > Options.MaxTtl)
            throw new InvalidInputException("ttl", $"must be between 1 s and {Options.MaxTtl} (the configured maximum), got {ttl}.");
        return ttl;
    }

    private async Task<(ModelInfo, HistoryEntry, EncodedImage?, ByteString?)> FromSeedAsync(string tenant, SeedSessionSource source, ImageOptions? imageOptions, CancellationToken cancellationToken)
    {
        var seed = new SeedSource { Seed = source.Seed };
        if (source.HasTruncationPsi)
            seed.TruncationPsi = source.TruncationPsi;
        if (source.HasTruncationCutoff)
            seed.TruncationCutoff = source.TruncationCutoff;
        var generated = await GenerateAsync(tenant, new GenerateRequest { Model = source.Model, Seed = seed }, imageOptions, cancellationToken);
        var model = await inference.DescribeModelAsync(generated.Model, "seed.model", cancellationToken);
        var entry = new HistoryEntry { Kind = HistoryEntryKind.Created, Latent = generated.Latent };
        return (model, entry, imageOptions is null ? null : generated.Image, null);
    }

    private async Task<(ModelInfo, HistoryEntry, EncodedImage?, ByteString?)> FromLatentAsync(string tenant, LatentSessionSource source, ImageOptions? imageOptions, CancellationToken cancellationToken)
    {
        var model = await inference.DescribeModelAsync(source.Model, "latent.model", cancellationToken);
        var latent = LatentShape.ToWPlus(source.Latent, model, "latent.latent");
        var entry = new HistoryEntry { Kind = HistoryEntryKind.Created, Latent = latent };
        if (imageOptions is null)
            return (model, entry, null, null);
        var generated = await GenerateAsync(tenant, new GenerateRequest { Model = model.Name, Latent = latent }, imageOptions, cancellationToken);
        return (model, entry, generated.Image, null);
    }

    private async Task<(ModelInfo, HistoryEntry, EncodedImage?, ByteString?)> FromImageAsync(string tenant, ImageSessionSource source, ImageOptions? imageOptions,
        IProgress<InversionProgress>? inversionProgress, CancellationToken cancellationToken)
    {
        if (source.Image is null || source.Image.Data.IsEmpty)
            throw new InvalidInputException("image.image", "is required: the PNG, JPEG or RAW_RGB image to invert.");
        var model = await inference.DescribeModelAsync(source.Model, "image.model", cancellationToken);
        var invertOptions = source.Options ?? new InvertOptions();
        var start = new InvertStart
        {
            Model = model.Name,
            Image = source.Image,
            Space = invertOptions.Space,
            // Only the final progress matters here: it always carries the latent (and the image).
            FrameOptions = new FrameOptions { Image = imageOptions, EveryKSteps = 100_000 },
        };
        // Uploads are tuned unless the request says otherwise (a photo inverts to a likeness only
        // then), where the model takes weight deltas: StyleGAN3 generators do not.
        start.PivotalTuning = invertOptions.HasPivotalTuning ? invertOptions.PivotalTuning : TakesWeightDeltas(model);
        // Tuning settings go with tuning only: a model that takes no deltas leaves them unused.
        if (start.PivotalTuning && invertOptions.HasTuningSteps)
            start.TuningSteps = invertOptions.TuningSteps;
        if (start.PivotalTuning && invertOptions.HasTuningRank)
            start.TuningRank = invertOptions.TuningRank;
        if (invertOptions.HasSteps)
            start.Steps = invertOptions.Steps;
        if (invertOptions.HasLearningRate)
            start.LearningRate = invertOptions.LearningRate;
        if (invertOptions.InitialLatent is { } initial)
            start.InitialLatent = LatentShape.ToWPlus(initial, model, "image.options.initial_latent");

        InvertProgress result;
        try
        {
            var reporter = inversionProgress is null ? null : new InversionProgressReporter(inversionProgress);
            result = await inference.InvertAsync(tenant, start, reporter, cancellationToken);
        }
        catch (InferenceFailedException e)
        {
            throw e.NamingClientField("start.image", "image.image").NamingClientField("start.", "image.options.");
        }
        var entry = new HistoryEntry { Kind = HistoryEntryKind.Inverted, Steps = result.Step, Latent = result.Latent, Psnr = result.Psnr };
        return (model, entry, imageOptions is null ? null : result.Preview, result.WeightDelta);
    }

    private static bool TakesWeightDeltas(ModelInfo model) => model.Kind is not (GeneratorKind.Stylegan3T or GeneratorKind.Stylegan3R);

    /// <summary>Generate with the client's image options, or a tiny JPEG when it wants no image (the latent is what counts).</summary>
    private async Task<GenerateResponse> GenerateAsync(string tenant, GenerateRequest request, ImageOptions? imageOptions, CancellationToken cancellationToken)
    {
        request.NoiseMode = NoiseMode.Const;
        request.Image = imageOptions ?? new ImageOptions { Encoding = ImageEncoding.Jpeg, Size = 16 };
        try
        {
            return await inference.GenerateAsync(tenant, request, cancellationToken);
        }
        catch (InferenceFailedException e)
        {
            throw e.NamingClientField("image.", "image_options.");
        }
    }

    private static void RequireActiveDrag(StoredSession stored, string dragId)
    {
        if (stored.Session.ActiveDrag?.DragId != dragId)
            throw new ReferenceNotFoundException("drag_id", $"{ClientText.Quote(dragId)} is not the session's active drag.");
    }

    private static void RequireSameShape(Latent latent, Latent current)
    {
        if (latent.Rows != current.Rows || latent.WDim != current.WDim || latent.Values.Count != current.Values.Count)
            throw new ArgumentException(
                $"must have the session's shape [{current.Rows}, {current.WDim}], got [{latent.Rows}, {latent.WDim}] with {latent.Values.Count} values.",
                nameof(CommittedDrag.FinalLatent));
    }

    private static void RequireFinite(Latent latent)
    {
        var index = latent.Values.ToList().FindIndex(v => !float.IsFinite(v));
        if (index >= 0)
            throw new OperationNotAllowedException(
                $"The drag's final latent is not finite (value {index} is {latent.Values[index]}); it was not committed and the session keeps its current latent.");
    }

    private static bool AllFinite(Latent? latent) => latent is null || latent.Values.All(float.IsFinite);

    private static void ClearActiveDrag(StoredSession stored)
    {
        stored.Session.ActiveDrag = null;
        stored.DragState = null;
        stored.DragStart = null;
        stored.DragFrameOptions = null;
    }
}

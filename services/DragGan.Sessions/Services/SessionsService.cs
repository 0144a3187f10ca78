using DragGan.Protos.V1;
using DragGan.Sessions.Admission;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Drags;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Exports;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Security;
using DragGan.Sessions.Storage;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using SessionsContract = DragGan.Protos.V1.Sessions;

namespace DragGan.Sessions.Services;

/// <summary>
/// draggan.v1.Sessions: thin glue from requests to <see cref="SessionEditor"/> and
/// <see cref="SessionExports"/>, and the drag calls to <see cref="SessionDragCallHandler"/>, scoped to
/// the caller's tenant. Work on the inference service, and animation exports, are admitted
/// against the tenant's limits first (<see cref="TenantAdmission"/>, <see cref="ExportSlots"/>).
/// </summary>
[Authorize]
internal sealed class SessionsService(
    SessionEditor editor,
    SessionExports exports,
    ExportSlots exportSlots,
    ISessionStore store,
    InferenceGateway inference,
    TenantAdmission admission,
    SessionDragCallHandler drags) : SessionsContract.SessionsBase
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public override Task<CreateSessionResponse> CreateSession(CreateSessionRequest request, ServerCallContext context) =>
        CreateAsync(request, inversionProgress: null, context);

    public override async Task CreateSessionWithProgress(CreateSessionRequest request, IServerStreamWriter<CreateSessionProgress> responseStream, ServerCallContext context)
    {
        await using var progress = new NewestProgressWriter<InversionProgress>(step =>
            responseStream.WriteAsync(new CreateSessionProgress { Inversion = step }, context.CancellationToken));
        var created = await CreateAsync(request, progress, context);
        await progress.CompleteAsync();
        await responseStream.WriteAsync(new CreateSessionProgress { Created = created }, context.CancellationToken);
    }

    /// <summary>CreateSession, with or without the inversion's progress: one path, so that both answer alike.</summary>
    private async Task<CreateSessionResponse> CreateAsync(CreateSessionRequest request, IProgress<InversionProgress>? inversionProgress, ServerCallContext context)
    {
        var view = SessionViews.Resolve(request.View, SessionView.Standard);
        var tenant = context.RequireTenant();
        await using var work = await admission.EnterCreateAsync(tenant, request, context.CancellationToken);
        var (record, image) = await editor.CreateAsync(tenant, request, inversionProgress, context.CancellationToken);
        return new CreateSessionResponse { Session = SessionViews.Project(record, view), Image = image };
    }

    public override async Task<Protos.V1.Session> GetSession(GetSessionRequest request, ServerCallContext context)
    {
        var view = SessionViews.Resolve(request.View, SessionView.Standard);
        var record = await editor.GetAsync(KeyOf(request.SessionId, context), context.CancellationToken);
        return SessionViews.Project(record, view);
    }

    public override async Task<ListSessionsResponse> ListSessions(ListSessionsRequest request, ServerCallContext context)
    {
        var view = SessionViews.Resolve(request.View, SessionView.Basic);
        if (request.PageSize > MaxPageSize)
            throw new InvalidInputException("page_size", $"must be 0 (default {DefaultPageSize}) or 1..{MaxPageSize}, got {request.PageSize}.");
        var pageSize = request.PageSize == 0 ? DefaultPageSize : (int)request.PageSize;
        var page = await store.ListAsync(context.RequireTenant(), pageSize,
            string.IsNullOrEmpty(request.PageToken) ? null : request.PageToken, context.CancellationToken);
        var response = new ListSessionsResponse { NextPageToken = page.NextPageToken ?? "" };
        response.Sessions.AddRange(page.Sessions.Select(s => SessionViews.Project(s, view)));
        return response;
    }

    public override async Task<DeleteSessionResponse> DeleteSession(DeleteSessionRequest request, ServerCallContext context)
    {
        await drags.DeleteSessionAsync(KeyOf(request.SessionId, context), request.HasExpectedVersion ? request.ExpectedVersion : null, context.CancellationToken);
        return new DeleteSessionResponse();
    }

    public override async Task<Protos.V1.Session> Undo(UndoRequest request, ServerCallContext context)
    {
        var view = SessionViews.Resolve(request.View, SessionView.Standard);
        var record = await editor.UndoAsync(KeyOf(request.SessionId, context), request.HasExpectedVersion ? request.ExpectedVersion : null, context.CancellationToken);
        return SessionViews.Project(record, view);
    }

    public override async Task<Protos.V1.Session> Redo(RedoRequest request, ServerCallContext context)
    {
        var view = SessionViews.Resolve(request.View, SessionView.Standard);
        var record = await editor.RedoAsync(KeyOf(request.SessionId, context), request.HasExpectedVersion ? request.ExpectedVersion : null, context.CancellationToken);
        return SessionViews.Project(record, view);
    }

    public override async Task<Protos.V1.Session> Checkout(CheckoutRequest request, ServerCallContext context)
    {
        var view = SessionViews.Resolve(request.View, SessionView.Standard);
        var key = KeyOf(request.SessionId, context);
        ulong? expected = request.HasExpectedVersion ? request.ExpectedVersion : null;
        var record = request.TargetCase switch
        {
            CheckoutRequest.TargetOneofCase.Index => await editor.CheckoutIndexAsync(key, request.Index, expected, context.CancellationToken),
            CheckoutRequest.TargetOneofCase.EntryId => await editor.CheckoutEntryAsync(key, request.EntryId, expected, context.CancellationToken),
            _ => throw new InvalidInputException("target", "must be set: give index or entry_id."),
        };
        return SessionViews.Project(record, view);
    }

    public override async Task<ExportImageResponse> ExportImage(ExportImageRequest request, ServerCallContext context)
    {
        var key = KeyOf(request.SessionId, context);
        await using var work = await admission.EnterGenerationAsync(key.Tenant, context.CancellationToken);
        return await exports.ImageAsync(key, request, context.CancellationToken);
    }

    public override Task<ExportLatentResponse> ExportLatent(ExportLatentRequest request, ServerCallContext context) =>
        exports.LatentAsync(KeyOf(request.SessionId, context), request, context.CancellationToken);

    public override async Task<ExportAnimationResponse> ExportAnimation(ExportAnimationRequest request, ServerCallContext context)
    {
        var key = KeyOf(request.SessionId, context);
        using var slot = exportSlots.TryEnter() ?? throw new RpcException(new Status(StatusCode.ResourceExhausted,
            "This replica runs its most animation exports at once (Sessions:ExportLimits:PerReplica); retry later."));
        await using var work = await admission.EnterExportAsync(key.Tenant, context.CancellationToken);
        return await exports.AnimationAsync(key, request, context.CancellationToken);
    }

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context) =>
        inference.ListModelsAsync(context.CancellationToken);

    public override Task Drag(IAsyncStreamReader<SessionDragRequest> requestStream, IServerStreamWriter<SessionDragFrame> responseStream, ServerCallContext context) =>
        drags.DragAsync(KeysOf(context), requestStream, responseStream, context);

    public override Task<StartDragResponse> StartDrag(StartDragRequest request, ServerCallContext context) =>
        drags.StartDragAsync(KeysOf(context), request, context);

    public override Task<UpdateDragResponse> UpdateDrag(UpdateDragRequest request, ServerCallContext context) =>
        drags.UpdateDragAsync(KeysOf(context), request, context);

    public override Task<StopDragResponse> StopDrag(StopDragRequest request, ServerCallContext context) =>
        drags.StopDragAsync(KeysOf(context), request, context);

    public override Task WatchDrag(WatchDragRequest request, IServerStreamWriter<SessionDragFrame> responseStream, ServerCallContext context) =>
        drags.WatchDragAsync(KeysOf(context), request, responseStream, context);

    private static SessionKeyResolver KeysOf(ServerCallContext context) => (sessionId, field) => KeyOf(sessionId, context, field);

    private static SessionKey KeyOf(string sessionId, ServerCallContext context, string field = "session_id")
    {
        if (string.IsNullOrEmpty(sessionId))
            throw new InvalidInputException(field, "is required.");
        if (!SessionIds.IsWellFormed(sessionId))
            throw new SessionNotFoundException(sessionId);
        return new SessionKey(context.RequireTenant(), sessionId);
    }

}

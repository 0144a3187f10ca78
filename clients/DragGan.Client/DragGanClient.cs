using System.Runtime.CompilerServices;
using DragGan.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;

namespace DragGan.Client;

/// <summary>
/// Typed access to the session service (draggan.v1.Sessions): sessions from a seed, a latent or an
/// image, history moves, exports and drags. Failures surface as <see cref="RpcException"/> with the
/// service's status (NOT_FOUND, INVALID_ARGUMENT naming the field, ...); cancelling a token throws
/// <see cref="OperationCanceledException"/>. Unary calls carry <see cref="DragGanClientOptions.Timeout"/>
/// as their deadline; reads and exports are retried on UNAVAILABLE (<see cref="RetryPolicies"/>).
/// Thread-safe; make one and share it.
/// </summary>
public sealed class DragGanClient : IDisposable
{
    /// <summary>The largest response the client accepts: the service's default send limit (a FULL view or a long GIF is large).</summary>
    public const int MaxReceiveMessageBytes = 64 * 1024 * 1024;

    /// <summary>
    /// The activity sources of this client's calls: Grpc.Net.Client's span of each call (a drag's
    /// lasts as long as its stream) and HttpClient's span of its HTTP/2 request, whose W3C trace
    /// context (<c>traceparent</c>) the service continues. Add them to an OpenTelemetry tracer
    /// provider (<c>tracing.AddSource(DragGanClient.TraceSources)</c>) to trace the calls.
    /// </summary>
    public static readonly string[] TraceSources = ["Grpc.Net.Client", "System.Net.Http"];

    private readonly DragGanClientOptions _options;
    private readonly GrpcChannel? _ownedChannel;

    /// <summary>A client over a generated client whose channel is already set up (the dependency-injection path: see <see cref="DragGanClientServiceCollectionExtensions.AddDragGanClient"/>).</summary>
    public DragGanClient(SessionsClient sessions, IOptions<DragGanClientOptions> options)
        : this(sessions, options.Value, ownedChannel: null)
    {
    }

    private DragGanClient(SessionsClient sessions, DragGanClientOptions options, GrpcChannel? ownedChannel)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Sessions = sessions;
        _options = options;
        _ownedChannel = ownedChannel;
    }

    /// <summary>
    /// A client with its own channel to <see cref="DragGanClientOptions.Address"/>, with the retry
    /// policy, message limits and API key set up. Dispose it to close the channel.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static DragGanClient Create(DragGanClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var channel = GrpcChannel.ForAddress(options.Address, ChannelOptions(options));
        var invoker = options.ApiKey is null ? channel.CreateCallInvoker() : channel.Intercept(new ApiKeyInterceptor(options.ApiKey));
        return new DragGanClient(new SessionsClient(invoker), options, channel);
    }

    /// <summary>A client of the service at <paramref name="address"/> (http://host:8080) with the default options.</summary>
    public static DragGanClient Create(string address, string? apiKey = null) =>
        Create(new DragGanClientOptions { Address = new Uri(address), ApiKey = apiKey });

    /// <summary>The channel settings the client relies on; the dependency-injection path applies the same.</summary>
    internal static GrpcChannelOptions ChannelOptions(DragGanClientOptions options) => Configure(new GrpcChannelOptions(), options);

    internal static GrpcChannelOptions Configure(GrpcChannelOptions channel, DragGanClientOptions options)
    {
        channel.ServiceConfig = RetryPolicies.ServiceConfig(options.MaxAttempts);
        channel.MaxRetryAttempts = RetryPolicies.MaxAttemptsLimit;
        channel.MaxReceiveMessageSize = MaxReceiveMessageBytes;
        return channel;
    }

    /// <summary>The generated client, for what this class does not wrap (the unary drag calls StartDrag, UpdateDrag, StopDrag, WatchDrag).</summary>
    public SessionsClient Sessions { get; }

    // ----------------------------------------------------------------------------------------
    // Models

    /// <summary>The models the service offers, and the one used when a request names none.</summary>
    public async Task<ListModelsResponse> ListModelsAsync(CancellationToken cancellationToken = default) =>
        await UnaryAsync(options => Sessions.ListModelsAsync(new ListModelsRequest(), options), cancellationToken);

    // ----------------------------------------------------------------------------------------
    // Creating sessions (never retried: a repeat would make a second session)

    /// <summary>A session whose first state is the latent of <paramref name="seed"/> (0..4294967295).</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="model">A model from <see cref="ListModelsAsync"/>; null = the service's default.</param>
    /// <param name="truncationPsi">Truncation psi; null = the model's default.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<Session> CreateFromSeedAsync(ulong seed, string? model = null, double? truncationPsi = null, CancellationToken cancellationToken = default)
    {
        var source = new SeedSessionSource { Model = model ?? "", Seed = seed };
        if (truncationPsi is { } psi)
            source.TruncationPsi = psi;
        return (await CreateSessionAsync(new CreateSessionRequest { Seed = source }, cancellationToken)).Session;
    }

    /// <summary>A session whose first state is <paramref name="latent"/> (w or w+, for example one <see cref="ExportLatentAsync"/> returned).</summary>
    public async Task<Session> CreateFromLatentAsync(Latent latent, string? model = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(latent);
        var request = new CreateSessionRequest { Latent = new LatentSessionSource { Model = model ?? "", Latent = latent } };
        return (await CreateSessionAsync(request, cancellationToken)).Session;
    }

    /// <summary>
    /// A session whose first state is the inversion of an image: the service finds the latent that
    /// reproduces it. The call lasts as long as the inversion and carries
    /// <see cref="DragGanClientOptions.InversionTimeout"/> as its deadline.
    /// </summary>
    /// <param name="image">A square PNG or JPEG file; the service resizes it to the model's resolution.</param>
    /// <param name="model">A model from <see cref="ListModelsAsync"/>; null = the service's default.</param>
    /// <param name="options">Steps, learning rate, space; null = the service's defaults (1000 steps).</param>
    /// <param name="cancellationToken">Cancels the call (and the inversion).</param>
    public Task<Session> CreateFromImageAsync(ReadOnlyMemory<byte> image, string? model = null, InvertOptions? options = null, CancellationToken cancellationToken = default) =>
        CreateFromImageAsync(image, model, options, progress: null, cancellationToken);

    /// <summary>
    /// <see cref="CreateFromImageAsync(ReadOnlyMemory{byte}, string?, InvertOptions?, CancellationToken)"/>,
    /// reporting the inversion's steps to <paramref name="progress"/> as they come (see
    /// <see cref="CreateSessionAsync(CreateSessionRequest, IProgress{InversionProgress}?, CancellationToken)"/>).
    /// </summary>
    public async Task<Session> CreateFromImageAsync(ReadOnlyMemory<byte> image, string? model, InvertOptions? options,
        IProgress<InversionProgress>? progress, CancellationToken cancellationToken = default)
    {
        var request = new CreateSessionRequest
        {
            // UNSPECIFIED: the service tells PNG from JPEG by the bytes.
            Image = new ImageSessionSource { Model = model ?? "", Image = new EncodedImage { Data = ByteString.CopyFrom(image.Span) }, Options = options },
        };
        return (await CreateSessionAsync(request, progress, cancellationToken)).Session;
    }

    /// <summary>CreateSession with every option of the contract (TTL, view, the first image beside the session).</summary>
    public async Task<CreateSessionResponse> CreateSessionAsync(CreateSessionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await UnaryAsync(options => Sessions.CreateSessionAsync(request, options), cancellationToken, CreateTimeout(request));
    }

    /// <summary>
    /// CreateSession that reports an image's inversion as it runs (CreateSessionWithProgress): each
    /// step the client reads goes to <paramref name="progress"/> in order, as it is read (a
    /// reader slower than the inversion gets the newest steps, never a backlog). A seed or a latent
    /// reports nothing. Errors are CreateSession's; null <paramref name="progress"/> calls CreateSession.
    /// </summary>
    public async Task<CreateSessionResponse> CreateSessionAsync(CreateSessionRequest request, IProgress<InversionProgress>? progress,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (progress is null)
            return await CreateSessionAsync(request, cancellationToken);
        var span = CreateTimeout(request);
        DateTime? deadline = span == Timeout.InfiniteTimeSpan ? null : DateTime.UtcNow + span;
        try
        {
            using var call = Sessions.CreateSessionWithProgress(request, new CallOptions(deadline: deadline, cancellationToken: cancellationToken));
            await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (message.KindCase == CreateSessionProgress.KindOneofCase.Created)
                    return message.Created;
                if (message.Inversion is { } step)
                    progress.Report(step);
            }
            throw new RpcException(new Status(StatusCode.Internal, "The session service ended CreateSessionWithProgress without the session."));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Status.Detail, e, cancellationToken);
        }
    }

    /// <summary>An image's create lasts as long as its inversion.</summary>
    private TimeSpan CreateTimeout(CreateSessionRequest request) =>
        request.SourceCase == CreateSessionRequest.SourceOneofCase.Image ? _options.InversionTimeout : _options.Timeout;

    // ----------------------------------------------------------------------------------------
    // Reading and deleting

    /// <summary>One session of the caller's tenant. NOT_FOUND when it does not exist, has expired or is another tenant's.</summary>
    public async Task<Session> GetSessionAsync(string sessionId, SessionView view = SessionView.Standard, CancellationToken cancellationToken = default) =>
        await UnaryAsync(options => Sessions.GetSessionAsync(new GetSessionRequest { SessionId = sessionId, View = view }, options), cancellationToken);

    /// <summary>Every session of the caller's tenant, most recently changed first, fetched a page at a time as the caller enumerates.</summary>
    /// <param name="view">How much of each session; default BASIC (no latents).</param>
    /// <param name="pageSize">Sessions per call, 1..100; 0 = the service's default (20).</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public async IAsyncEnumerable<Session> ListSessionsAsync(SessionView view = SessionView.Basic, int pageSize = 0,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pageSize);
        var token = "";
        do
        {
            var page = await ListSessionsPageAsync(new ListSessionsRequest { View = view, PageSize = (uint)pageSize, PageToken = token }, cancellationToken);
            foreach (var session in page.Sessions)
                yield return session;
            token = page.NextPageToken;
        }
        while (token.Length > 0);
    }

    /// <summary>One page of the caller's sessions.</summary>
    public async Task<ListSessionsResponse> ListSessionsPageAsync(ListSessionsRequest request, CancellationToken cancellationToken = default) =>
        await UnaryAsync(options => Sessions.ListSessionsAsync(request, options), cancellationToken);

    /// <summary>Deletes a session with its history and drag frames; with <paramref name="expectedVersion"/>, only if it is still at that version (ABORTED otherwise).</summary>
    public async Task DeleteSessionAsync(string sessionId, ulong? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        var request = new DeleteSessionRequest { SessionId = sessionId };
        if (expectedVersion is { } version)
            request.ExpectedVersion = version;
        await UnaryAsync(options => Sessions.DeleteSessionAsync(request, options), cancellationToken);
    }

    // ----------------------------------------------------------------------------------------
    // History

    /// <summary>Moves the session to its previous state. FAILED_PRECONDITION at the oldest one.</summary>
    public async Task<Session> UndoAsync(string sessionId, ulong? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        var request = new UndoRequest { SessionId = sessionId };
        if (expectedVersion is { } version)
            request.ExpectedVersion = version;
        return await UnaryAsync(options => Sessions.UndoAsync(request, options), cancellationToken);
    }

    /// <summary>Moves the session to its next state. FAILED_PRECONDITION at the newest one.</summary>
    public async Task<Session> RedoAsync(string sessionId, ulong? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        var request = new RedoRequest { SessionId = sessionId };
        if (expectedVersion is { } version)
            request.ExpectedVersion = version;
        return await UnaryAsync(options => Sessions.RedoAsync(request, options), cancellationToken);
    }

    /// <summary>Moves the session to the history entry at <paramref name="index"/> (0 = the oldest kept).</summary>
    public async Task<Session> CheckoutIndexAsync(string sessionId, uint index, ulong? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        var request = new CheckoutRequest { SessionId = sessionId, Index = index };
        if (expectedVersion is { } version)
            request.ExpectedVersion = version;
        return await UnaryAsync(options => Sessions.CheckoutAsync(request, options), cancellationToken);
    }

    /// <summary>Moves the session to the history entry with id <paramref name="entryId"/> (NOT_FOUND once it was dropped).</summary>
    public async Task<Session> CheckoutEntryAsync(string sessionId, ulong entryId, ulong? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        var request = new CheckoutRequest { SessionId = sessionId, EntryId = entryId };
        if (expectedVersion is { } version)
            request.ExpectedVersion = version;
        return await UnaryAsync(options => Sessions.CheckoutAsync(request, options), cancellationToken);
    }

    // ----------------------------------------------------------------------------------------
    // Exports

    /// <summary>The PNG file of the session's current state (or of history entry <paramref name="entryId"/>).</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="entryId">A history entry's id; null = the current one.</param>
    /// <param name="size">Side of the square image, 16..2048; 0 = the model's resolution.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<byte[]> ExportPngAsync(string sessionId, ulong? entryId = null, int size = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var request = new ExportImageRequest { SessionId = sessionId, Image = new ImageOptions { Encoding = ImageEncoding.Png, Size = (uint)size } };
        if (entryId is { } entry)
            request.EntryId = entry;
        return (await ExportImageAsync(request, cancellationToken)).Image.Data.ToByteArray();
    }

    /// <summary>ExportImage with every option (JPEG, RAW_RGB, size, quality).</summary>
    public async Task<ExportImageResponse> ExportImageAsync(ExportImageRequest request, CancellationToken cancellationToken = default) =>
        await UnaryAsync(options => Sessions.ExportImageAsync(request, options), cancellationToken);

    /// <summary>
    /// The latent of the session's current state (or of history entry <paramref name="entryId"/>):
    /// the message, and the file in <paramref name="format"/> (default a NumPy .npy of shape
    /// (1, num_ws, w_dim)) in <see cref="ExportLatentResponse.Data"/>.
    /// </summary>
    public async Task<ExportLatentResponse> ExportLatentAsync(string sessionId, LatentFileFormat format = LatentFileFormat.Npy, ulong? entryId = null,
        CancellationToken cancellationToken = default)
    {
        var request = new ExportLatentRequest { SessionId = sessionId, Format = format };
        if (entryId is { } entry)
            request.EntryId = entry;
        return await UnaryAsync(options => Sessions.ExportLatentAsync(request, options), cancellationToken);
    }

    /// <summary>
    /// The frames of the session's latest drag (or of DRAG entry <paramref name="entryId"/>) as a
    /// looping GIF. NOT_FOUND ("entry_id") when the session has no drag with stored frames.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="entryId">A DRAG history entry's id; null = the newest.</param>
    /// <param name="size">Frame side, 16..1024; 0 = the stored frames' size.</param>
    /// <param name="frameDelay">How long each frame shows; null = 80 ms.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<ExportAnimationResponse> ExportGifAsync(string sessionId, ulong? entryId = null, int size = 0, TimeSpan? frameDelay = null,
        CancellationToken cancellationToken = default) =>
        ExportAnimationAsync(sessionId, AnimationFormat.Gif, entryId, size, frameDelay, cancellationToken);

    /// <summary>
    /// The frames of the session's latest drag (or of DRAG entry <paramref name="entryId"/>) as an
    /// H.264 MP4 at 1 / <paramref name="frameDelay"/> frames per second, the last frame held for a
    /// second. FAILED_PRECONDITION ("format") when the service cannot run its encoder; NOT_FOUND
    /// ("entry_id") when the session has no drag with stored frames.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="entryId">A DRAG history entry's id; null = the newest.</param>
    /// <param name="size">Frame side, even, 16..1024; 0 = the stored frames' size.</param>
    /// <param name="frameDelay">How long each frame shows; null = 80 ms (12.5 frames per second).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<ExportAnimationResponse> ExportMp4Async(string sessionId, ulong? entryId = null, int size = 0, TimeSpan? frameDelay = null,
        CancellationToken cancellationToken = default) =>
        ExportAnimationAsync(sessionId, AnimationFormat.Mp4, entryId, size, frameDelay, cancellationToken);

    private async Task<ExportAnimationResponse> ExportAnimationAsync(string sessionId, AnimationFormat format, ulong? entryId, int size, TimeSpan? frameDelay,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var request = new ExportAnimationRequest
        {
            SessionId = sessionId,
            Format = format,
            Size = (uint)size,
            FrameDelayMs = frameDelay is { } delay ? (uint)Math.Round(delay.TotalMilliseconds) : 0,
        };
        if (entryId is { } entry)
            request.EntryId = entry;
        return await UnaryAsync(options => Sessions.ExportAnimationAsync(request, options), cancellationToken);
    }

    // ----------------------------------------------------------------------------------------
    // Drags

    /// <summary>
    /// Starts a drag of the session's current state that moves each handle toward its target, and
    /// returns once the service runs it (with its first frame). A bad start throws here:
    /// INVALID_ARGUMENT naming the field, FAILED_PRECONDITION while another drag runs. Read its
    /// frames with <see cref="SessionDrag.ReadFramesAsync"/>; steer it with the handle's methods.
    /// </summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="points">Handle/target pairs, 1..32; empty = the session's points from its last drag.</param>
    /// <param name="parameters">Settings (max_steps, learning rate, ...); unset fields take the session's last, then the service's defaults.</param>
    /// <param name="mask">Fixed region at the model's resolution; null = the session's mask, if any.</param>
    /// <param name="cancellationToken">Cancels the start only. Once started, the drag lives until it is stopped, its frames' enumeration is cancelled, or the handle is disposed.</param>
    public Task<SessionDrag> StartDragAsync(string sessionId, IEnumerable<PointPair> points, DragParameters? parameters = null, Mask? mask = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        var start = new SessionDragStart { SessionId = sessionId, Parameters = parameters, Mask = mask };
        start.Points.AddRange(points);
        return StartDragAsync(start, cancellationToken);
    }

    /// <summary>Starts a drag with every option of the contract (frame options, clear_mask, expected_version, take_over).</summary>
    /// <inheritdoc cref="StartDragAsync(string, IEnumerable{PointPair}, DragParameters?, Mask?, CancellationToken)"/>
    public async Task<SessionDrag> StartDragAsync(SessionDragStart start, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        // No deadline and no token: a drag lasts as long as its caller steers it, past the start.
        var call = Sessions.Drag(new CallOptions());
        SessionDragFrame first;
        try
        {
            try
            {
                await call.RequestStream.WriteAsync(new SessionDragRequest { Start = start }, cancellationToken);
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // The service ended the call before it read the start (it refused it): the
                // write only sees a cancelled stream; the response carries the service's status.
            }
            // The service sends the first frame once the drag runs, or ends the call with the start's error.
            if (!await call.ResponseStream.MoveNext(cancellationToken))
                throw new RpcException(new Status(StatusCode.Internal, "The session service ended the drag without a frame."));
            first = call.ResponseStream.Current;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            call.Dispose();
            throw new OperationCanceledException(e.Status.Detail, e, cancellationToken);
        }
        catch
        {
            call.Dispose();
            throw;
        }
        return new SessionDrag(start.SessionId, call, first);
    }

    // ----------------------------------------------------------------------------------------

    /// <summary>Closes the channel if this client made it (<see cref="Create(DragGanClientOptions)"/>).</summary>
    public void Dispose() => _ownedChannel?.Dispose();

    /// <summary>
    /// A unary call with the deadline <paramref name="timeout"/> (default <see cref="DragGanClientOptions.Timeout"/>).
    /// A missed deadline stays DEADLINE_EXCEEDED; the caller's own cancellation becomes <see cref="OperationCanceledException"/>.
    /// </summary>
    private async Task<T> UnaryAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var span = timeout ?? _options.Timeout;
        DateTime? deadline = span == Timeout.InfiniteTimeSpan ? null : DateTime.UtcNow + span;
        try
        {
            return await call(new CallOptions(deadline: deadline, cancellationToken: cancellationToken));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Status.Detail, e, cancellationToken);
        }
    }
}

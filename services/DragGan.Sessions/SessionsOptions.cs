using DragGan.Sessions.Admission;
using DragGan.Sessions.Drags;
using DragGan.Sessions.Exports;
using DragGan.Sessions.Security;
using DragGan.Sessions.Storage;

namespace DragGan.Sessions;

/// <summary>
/// Settings of the session service, bound from the configuration section <see cref="SectionName"/>
/// (appsettings.json, then environment variables such as <c>Sessions__Store</c>).
/// </summary>
public sealed class SessionsOptions
{
    public const string SectionName = "Sessions";

    /// <summary>Where sessions live: the embedded SQLite file (default) or Redis (<c>ConnectionStrings:Redis</c>).</summary>
    public SessionStoreKind Store { get; set; } = SessionStoreKind.Sqlite;

    /// <summary>The SQLite file; relative paths are under the content root (the binaries' folder). Default <c>sessions.db</c>.</summary>
    public string SqlitePath { get; set; } = "sessions.db";

    /// <summary>Prefix of every Redis key, so that several deployments (or test runs) can share one Redis.</summary>
    public string RedisKeyPrefix { get; set; } = "draggan:";

    /// <summary>The inference service, e.g. <c>http://localhost:50051</c>.</summary>
    public string InferenceAddress { get; set; } = "http://localhost:50051";

    /// <summary>Committed states a session keeps; older ones are dropped (default 50).</summary>
    public int MaxHistory { get; set; } = 50;

    /// <summary>A session's time to live after each change when its creator asks for none (default 24 hours).</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The longest time to live a creator may ask for (default 7 days).</summary>
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Image frames kept of a session's latest drag for ExportAnimation, the most recent (default 120).</summary>
    public int MaxDragFrames { get; set; } = 120;

    /// <summary>
    /// Longest side of a frame kept for ExportAnimation (default 512; never more than the model's
    /// resolution). Kept frames are JPEG at this size or less, whatever the client asked to see.
    /// </summary>
    public int DragFrameMaxSide { get; set; } = 512;

    /// <summary>Bytes of kept frames per session (default 8 MiB); its oldest frames go first.</summary>
    public long MaxDragFrameBytesPerSession { get; set; } = 8L * 1024 * 1024;

    /// <summary>
    /// Bytes of kept frames per tenant, all its sessions together (default 256 MiB). A frame that
    /// does not fit replaces the oldest frames of its own session, or is not kept when even that
    /// would not make room.
    /// </summary>
    public long MaxDragFrameBytesPerTenant { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Stored bytes one ListSessions page reads at most (default 16 MiB); a page ends early, with a
    /// next_page_token, rather than read more. One session is always returned, whatever its size.
    /// </summary>
    public long ListPageBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// A running drag's resumable state is saved with the session every this many steps (and at
    /// every end, pause and hand-back). After a replica fails, at most this many steps are redone.
    /// </summary>
    public int PersistEveryKSteps { get; set; } = 5;

    /// <summary>
    /// A drag that takes no step (paused, converged, at its step limit), that nobody watches and
    /// that gets no command for this long is committed as if stopped (default 5 minutes), giving
    /// back its inference slot.
    /// </summary>
    public TimeSpan DragIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a lease on work (a running drag, an inversion, a generation) outlives its holder
    /// when the holder stops renewing it (default 30 s): after a replica dies, its drags can be
    /// taken over and its tenants' limits free up after this long.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What one tenant may run at once, across replicas.</summary>
    public TenantLimitOptions TenantLimits { get; set; } = new();

    /// <summary>What one tenant may keep in the store: sessions and stored bytes.</summary>
    public TenantQuotaOptions TenantQuota { get; set; } = new();

    /// <summary>The store's budget for all tenants together, below Redis's maxmemory.</summary>
    public StoreBudgetOptions StoreBudget { get; set; } = new();

    /// <summary>What animation exports may take: concurrency per tenant and replica, frames and duration.</summary>
    public ExportLimitOptions ExportLimits { get; set; } = new();

    /// <summary>What a running drag relays to watchers on other replicas: only while one watches, bounded in size and rate.</summary>
    public RelayOptions Relay { get; set; } = new();

    /// <summary>
    /// How long the store health check's healthy answer is reused (default 1 s): probes need no
    /// key, and a burst of them reads the store once. 0 = every probe reads it.
    /// </summary>
    public TimeSpan HealthCheckCacheDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a read-modify-write of a session is tried when other writers keep winning (default 8).</summary>
    public int UpdateAttempts { get; set; } = 8;

    /// <summary>How often the SQLite store deletes expired sessions (default 1 minute; Redis expires keys itself).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the models the inference service lists are cached (default 30 seconds).</summary>
    public TimeSpan ModelCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often an HTTP/2 ping goes over each inference replica's connection (default 20 s). A
    /// replica that vanished without closing its connections (a lost node, a partition) sends no
    /// answer: after <see cref="InferenceKeepAliveTimeout"/> the connection is dropped and its drags
    /// resume on another replica, instead of waiting for frames that never come.
    /// </summary>
    public TimeSpan InferenceKeepAliveInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a ping to an inference replica may go unanswered before its connection is dropped (default 10 s).</summary>
    public TimeSpan InferenceKeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Largest request message accepted, bytes (default 16 MiB: an image to invert). Larger
    /// messages fail with RESOURCE_EXHAUSTED before they are read.
    /// </summary>
    public int MaxReceiveMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest response message sent, bytes (default 64 MiB: a FULL session, an export).</summary>
    public int MaxSendMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// Development only: calls without an API key act for <see cref="AnonymousTenant"/>. Refused
    /// outside the Development environment.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>The tenant of calls without a key when <see cref="AllowAnonymous"/> is on (default "local").</summary>
    public string AnonymousTenant { get; set; } = "local";

    /// <summary>The API keys, each a tenant and the SHA-256 of the key (hex); keys themselves are never configured.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>
    /// The built web client (clients/web/dist) to serve as static files; relative paths are under
    /// the content root (the binaries' folder). Unset = <c>wwwroot</c> there, where the build
    /// copies clients/web/dist when it has been built, and no page when it has not.
    /// </summary>
    public string? WebRoot { get; set; }

    /// <summary>
    /// Port of the Prometheus /metrics listener (plain HTTP/1.1, apart from the client ports).
    /// 0 (default) = no metrics listener; the container images set 9090.
    /// </summary>
    public int MetricsPort { get; set; }

    /// <summary>
    /// The ffmpeg program that encodes MP4 exports: a name looked up on PATH (default) or a path.
    /// Without it MP4 exports answer FAILED_PRECONDITION; GIF needs nothing.
    /// </summary>
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>Per-tenant token bucket, per replica.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Wrong API keys one client address may present per window, per replica.</summary>
    public FailedKeyLimitOptions FailedKeyLimit { get; set; } = new();
    /// <summary>The proxies whose X-Forwarded-For gives the client address (none by default: the header is ignored).</summary>
    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();
}

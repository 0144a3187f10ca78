namespace DragGan.Inference;

/// <summary>
/// Settings of the inference host, bound from the configuration section <see cref="SectionName"/>
/// (appsettings.json, then environment variables such as <c>Inference__MaxReceiveMessageBytes</c>).
/// </summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    /// <summary>
    /// Largest request message accepted, bytes (default 32 MiB: a 2048x2048 RGB image to invert,
    /// or a drag state with its mask). Larger messages fail with RESOURCE_EXHAUSTED.
    /// </summary>
    public int MaxReceiveMessageBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// Largest response message sent, bytes (default 64 MiB: a 2048x2048 RAW_RGB frame with its
    /// state). A response over the limit fails the call with RESOURCE_EXHAUSTED.
    /// </summary>
    public int MaxSendMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// Forwards that may run on one model at the same time (default 1). Each forward holds its
    /// activations on the model's device, so this bounds memory per model; see <see cref="ModelGates"/>.
    /// </summary>
    public int MaxConcurrentForwardsPerModel { get; set; } = 1;

    /// <summary>
    /// Drag and Invert streams this replica serves at once (default 16); one more is answered
    /// RESOURCE_EXHAUSTED. Size it from the benchmarks: streams x steps/s each must fit the device.
    /// </summary>
    public int MaxActiveStreams { get; set; } = 16;

    /// <summary>
    /// The most drag edits of one model stepped together in one batched forward/backward (default 8).
    /// With <see cref="AdaptiveBatchSize"/> the scheduler picks the size below this bound by measurement.
    /// </summary>
    public int MaxBatchSize { get; set; } = 8;

    /// <summary>
    /// Whether each model's scheduler learns its batch size from the step times it measures (default
    /// true): the size with the best throughput whose step takes at most <see cref="MaxStepSeconds"/>.
    /// False always takes up to <see cref="MaxBatchSize"/> ready edits.
    /// </summary>
    public bool AdaptiveBatchSize { get; set; } = true;

    /// <summary>
    /// The longest a batched step may take for the adaptive scheduler to choose its size (default 1 s):
    /// every stream in the batch waits that long for its next frame. One edit is always allowed.
    /// </summary>
    public double MaxStepSeconds { get; set; } = 1;

    public TimeSpan MaxStepTime => TimeSpan.FromSeconds(MaxStepSeconds);

    /// <summary>
    /// Uploaded images (Invert targets) decoded at the same time (default 2); further ones wait for
    /// a turn. A decode briefly holds the image's full-size pixels, up to (4 x the model's side)^2,
    /// so this bounds the memory that concurrent uploads can take together.
    /// </summary>
    public int MaxConcurrentImageDecodes { get; set; } = 2;

    /// <summary>Frames waiting for a slow client per stream before the oldest is dropped (default 4).</summary>
    public int FrameQueueCapacity { get; set; } = 4;

    /// <summary>Seconds a new stream may take to send its start message (default 10); then FAILED_PRECONDITION.</summary>
    public double StartMessageTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// On shutdown, seconds that drags still stepping may go on before every stream is handed back
    /// with its state (default 20). Streams that are idle (converged, paused) are handed back at
    /// once. Keep the pod's termination grace period above this.
    /// </summary>
    public double ShutdownDrainSeconds { get; set; } = 20;

    /// <summary>
    /// Seconds a Drag stream may take no step and receive no message (paused, converged, at its
    /// step limit) before the replica ends it as after a stop: a final frame with the state, then OK
    /// (default 600). An idle stream still holds a slot and its edit's device memory.
    /// </summary>
    public double IdleStreamTimeoutSeconds { get; set; } = 600;

    /// <summary>
    /// Shares of the GPU by tenant (the session service names the tenant of each drag): a tenant of
    /// weight 3 gets three steps for another's one while both have drags ready. Tenants not listed
    /// weigh 1; drags without a tenant share one as the tenant "".
    /// </summary>
    public Dictionary<string, double> TenantWeights { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Port of the Prometheus endpoint /metrics, HTTP/1.1 (default 9090); 0 turns it off.</summary>
    public int MetricsPort { get; set; } = 9090;

    public TimeSpan StartMessageTimeout => TimeSpan.FromSeconds(StartMessageTimeoutSeconds);

    public TimeSpan ShutdownDrain => TimeSpan.FromSeconds(ShutdownDrainSeconds);

    public TimeSpan IdleStreamTimeout => TimeSpan.FromSeconds(IdleStreamTimeoutSeconds);
}

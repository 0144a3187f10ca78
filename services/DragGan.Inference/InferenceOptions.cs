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

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (MaxReceiveMessageBytes < 1024)
            throw new InvalidOperationException($"{SectionName}:MaxReceiveMessageBytes must be at least 1024, got {MaxReceiveMessageBytes}.");
        if (MaxSendMessageBytes < 1024)
            throw new InvalidOperationException($"{SectionName}:MaxSendMessageBytes must be at least 1024, got {MaxSendMessageBytes}.");
        if (MaxConcurrentForwardsPerModel < 1)
            throw new InvalidOperationException($"{SectionName}:MaxConcurrentForwardsPerModel must be at least 1, got {MaxConcurrentForwardsPerModel}.");
    }
}

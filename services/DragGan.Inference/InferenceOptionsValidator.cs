using Microsoft.Extensions.Options;

namespace DragGan.Inference;

/// <summary>The ranges of <see cref="InferenceOptions"/>; each failure names its setting.</summary>
internal sealed class InferenceOptionsValidator : IValidateOptions<InferenceOptions>
{
    public ValidateOptionsResult Validate(string? name, InferenceOptions options)
    {
        var failures = new List<string>();
        void Require(bool condition, string problem)
        {
            if (!condition)
                failures.Add($"{InferenceOptions.SectionName}:{problem}");
        }

        Require(options.MaxReceiveMessageBytes >= 1024, $"MaxReceiveMessageBytes must be at least 1024, got {options.MaxReceiveMessageBytes}.");
        Require(options.MaxSendMessageBytes >= 1024, $"MaxSendMessageBytes must be at least 1024, got {options.MaxSendMessageBytes}.");
        Require(options.MaxConcurrentForwardsPerModel >= 1, $"MaxConcurrentForwardsPerModel must be at least 1, got {options.MaxConcurrentForwardsPerModel}.");
        Require(options.MaxActiveStreams >= 1, $"MaxActiveStreams must be at least 1, got {options.MaxActiveStreams}.");
        Require(options.MaxBatchSize >= 1, $"MaxBatchSize must be at least 1, got {options.MaxBatchSize}.");
        Require(options.MaxStepSeconds > 0, $"MaxStepSeconds must be positive, got {options.MaxStepSeconds}.");
        Require(options.MaxConcurrentImageDecodes >= 1, $"MaxConcurrentImageDecodes must be at least 1, got {options.MaxConcurrentImageDecodes}.");
        Require(options.FrameQueueCapacity >= 1, $"FrameQueueCapacity must be at least 1, got {options.FrameQueueCapacity}.");
        Require(options.StartMessageTimeoutSeconds > 0, $"StartMessageTimeoutSeconds must be positive, got {options.StartMessageTimeoutSeconds}.");
        Require(options.ShutdownDrainSeconds >= 0, $"ShutdownDrainSeconds must be >= 0, got {options.ShutdownDrainSeconds}.");
        Require(options.IdleStreamTimeoutSeconds > 0, $"IdleStreamTimeoutSeconds must be positive, got {options.IdleStreamTimeoutSeconds}.");
        foreach (var (tenant, weight) in options.TenantWeights)
            Require(weight is >= 0.01 and <= 100, $"TenantWeights:{tenant} must be in 0.01..100, got {weight}.");
        Require(options.MetricsPort is >= 0 and <= 65535, $"MetricsPort must be 0 (off) or a port, got {options.MetricsPort}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

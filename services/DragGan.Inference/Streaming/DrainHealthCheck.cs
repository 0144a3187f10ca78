using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DragGan.Inference.Streaming;

/// <summary>Unhealthy once the replica drains, so that health-checking routers stop sending it streams.</summary>
internal sealed class DrainHealthCheck(StreamAdmission admission) : IHealthCheck
{
    public const string Name = "accepting-streams";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(admission.Draining
            ? HealthCheckResult.Unhealthy("The replica is shutting down and accepts no new streams.")
            : HealthCheckResult.Healthy($"{admission.Active} streams open."));
}
